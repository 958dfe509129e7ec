/**
 * The one channel between the checker and a user's allocator running in a
 * realm of its own (a Worker that holds nothing of the checker): calls and
 * answers through a `SharedArrayBuffer`, synchronous on both sides
 * (`Atomics`). Only numbers and short texts cross it; what the subject
 * answers is data the checker judges, never code it runs.
 *
 * @module
 */

/** Bytes of text an answer carries at most. */
const TEXT_BYTES = 4096;

/** Bytes of a channel's buffer. */
export const CHANNEL_BYTES: number = 136 + TEXT_BYTES;

/**
 * What crosses the channel as an answer: a number (`result`), nothing, an
 * `AllocError` of the subject's (`text`: JSON `{kind, reason}`), anything
 * else thrown (`text`: what it was, in words), a boolean (`result` 0 or 1),
 * or a value of another type (`text`: its type and value, in words).
 */
export const Answer = {
  Number: 0,
  Void: 1,
  AllocError: 2,
  Threw: 3,
  Boolean: 4,
  Other: 5,
} as const;
/** One of {@linkcode Answer}. */
export type Answer = typeof Answer[keyof typeof Answer];

/**
 * The operations a checker asks of the subject: a new instance (the
 * handle in `result`), a method of an instance by its number, a property
 * of an instance by its name, or its three statistics at once (the
 * numbers of the methods in `args`, the answers back in `args`).
 */
export const Op = { New: 1, Call: 2, Get: 3, Stats: 4 } as const;
/** One of {@linkcode Op}. */
export type Op = typeof Op[keyof typeof Op];

// Control words (Int32): the state, then the request and the answer's shape.
const STATE = 0;
const OP = 1;
const HANDLE = 2;
const ARGC = 3;
const KIND = 4;
const LENGTH = 5;
/** Set while the subject's end sleeps in `Atomics.wait` (else no notify is needed). */
const SUBJECT_ASLEEP = 6;
/** Set while the checker's end sleeps in `Atomics.wait`. */
const CHECKER_ASLEEP = 7;
/** Set when an answer carries three numbers besides its own (`args[0..2]`). */
const HAS_VALUES = 8;
const SUBJECT_SPIN = 2_000_000;
const CHECKER_SPIN = 200_000;
/** Every this many waits, one spins its longest again (to see whether spinning pays again). */
export const PROBE_EVERY = 64;
// States.
const IDLE = 0;
const ASKED = 1;
const ANSWERED = 2;
const CLOSED = 3;

/**
 * Ends the subject's loop (its realm is then stopped from outside): a
 * thread waiting on the channel would keep its process alive.
 */
export function closeChannel(buffer: SharedArrayBuffer): void {
  const control = new Int32Array(buffer, 0, 16);
  Atomics.store(control, STATE, CLOSED);
  Atomics.notify(control, STATE);
}

/**
 * How long one end spins before it sleeps, learnt from how the last spins
 * went. On a calm machine the other end answers within microseconds and a
 * spin catches it; on a busy one (more runnable threads than cores) the
 * other end is often not running at all, and a spin only burns the time
 * slice it needs: each handoff then costs a scheduler's time slice
 * (milliseconds) instead of a futex wake (tens of microseconds). A spin that
 * misses halves the budget, one that catches the answer doubles it, and
 * every {@linkcode PROBE_EVERY}th wait spins the longest again, so that
 * spinning comes back when the machine calms down.
 *
 * @example
 * ```ts
 * import { SpinBudget } from "./subject_channel.ts";
 * const spin = new SpinBudget(1000);
 * spin.spun(false, spin.next()); // missed: half the budget next time
 * console.log(spin.next()); // 500
 * ```
 */
export class SpinBudget {
  readonly #max: number;
  #budget: number;
  #waits = 0;

  /** A budget of at most `max` iterations, all of them at first. */
  constructor(max: number) {
    this.#max = max;
    this.#budget = max;
  }

  /** The iterations to spin this time. */
  next(): number {
    return ++this.#waits % PROBE_EVERY === 0 ? this.#max : this.#budget;
  }

  /** Whether the spin caught the other end's move, and after how many iterations. */
  spun(caught: boolean, iterations: number): void {
    if (caught) this.#budget = Math.min(this.#max, Math.max(2 * this.#budget, 4 * iterations, 64));
    else this.#budget >>= 1;
  }
}

/** The views of one channel buffer. */
class Views {
  readonly control: Int32Array;
  readonly args: Float64Array;
  readonly result: Float64Array;
  readonly text: Uint8Array;
  constructor(buffer: SharedArrayBuffer) {
    this.control = new Int32Array(buffer, 0, 16);
    this.args = new Float64Array(buffer, 64, 8);
    this.result = new Float64Array(buffer, 128, 1);
    this.text = new Uint8Array(buffer, 136, TEXT_BYTES);
  }
  writeText(s: string): void {
    const { written } = new TextEncoder().encodeInto(s, this.text);
    this.control[LENGTH] = written;
  }
  readText(): string {
    const n = Math.min(this.control[LENGTH], this.text.length);
    return new TextDecoder().decode(this.text.slice(0, n));
  }
}

/** An answer read back by the checker. */
export interface Reply {
  /** Its shape. */
  kind: Answer;
  /** The number (or boolean as 0/1). */
  value: number;
  /** The text, for errors and other values. */
  text: string;
  /**
   * The three statistics: the answer to {@linkcode Op.Stats}, and what
   * they were right after an {@linkcode Op.Call} when the subject's end
   * could read them.
   */
  values?: [number, number, number];
}

/**
 * The checker's end: each call blocks until the subject answers. A
 * subject that never answers is stopped from outside (the runner's
 * watchdog terminates both realms), so no wait here has a time limit.
 *
 * @example
 * ```ts ignore
 * const caller = new SubjectCaller(buffer);
 * const handle = caller.ask(Op.New, 0, 0, []).value;
 * ```
 */
export class SubjectCaller {
  readonly #v: Views;
  readonly #spin = new SpinBudget(CHECKER_SPIN);

  /** The checker's end of `buffer`. */
  constructor(buffer: SharedArrayBuffer) {
    this.#v = new Views(buffer);
  }

  /** Asks `op` of instance `handle` (method number `method`, arguments `args`); the answer. */
  ask(op: Op, handle: number, method: number | string, args: readonly number[]): Reply {
    const v = this.#v;
    const c = v.control;
    c[OP] = op;
    c[HANDLE] = handle;
    c[ARGC] = args.length;
    for (let i = 0; i < args.length && i < 8; i++) v.args[i] = args[i];
    if (typeof method === "string") v.writeText(method);
    else {
      v.args[7] = method;
      c[LENGTH] = 0;
    }
    Atomics.store(c, STATE, ASKED);
    // A notify costs a lock in V8: only when the other end sleeps.
    if (Atomics.load(c, SUBJECT_ASLEEP) !== 0) Atomics.notify(c, STATE);
    // A spin first: most calls answer within microseconds (on a calm machine).
    const budget = this.#spin.next();
    let spin = 0;
    while (spin < budget && Atomics.load(c, STATE) !== ANSWERED) spin++;
    this.#spin.spun(spin < budget, spin);
    while (Atomics.load(c, STATE) !== ANSWERED) {
      Atomics.store(c, CHECKER_ASLEEP, 1);
      if (Atomics.load(c, STATE) !== ANSWERED) Atomics.wait(c, STATE, ASKED, 100);
      Atomics.store(c, CHECKER_ASLEEP, 0);
    }
    const reply: Reply = {
      kind: c[KIND] as Answer,
      value: v.result[0],
      text: c[KIND] === Answer.Number || c[KIND] === Answer.Void || c[KIND] === Answer.Boolean
        ? ""
        : v.readText(),
    };
    if (c[HAS_VALUES] !== 0) reply.values = [v.args[0], v.args[1], v.args[2]];
    Atomics.store(c, STATE, IDLE);
    return reply;
  }
}

/** What the subject's end does with one request. */
export interface Served {
  /** The answer's shape. */
  kind: Answer;
  /** Its number. */
  value?: number;
  /** Its text. */
  text?: string;
  /** The three statistics (see {@linkcode Reply.values}). */
  values?: readonly number[];
}

/**
 * The subject's end: answers requests with `handle(op, handle, method,
 * args, name)` (`name` for {@linkcode Op.Get}) until the channel is
 * closed. Runs in the subject's realm, which the subject may have
 * rewritten: it only moves numbers and text.
 */
export function serveCalls(
  buffer: SharedArrayBuffer,
  handle: (op: Op, instance: number, method: number, args: number[], name: string) => Served,
): void {
  const v = new Views(buffer);
  const c = v.control;
  const budget = new SpinBudget(SUBJECT_SPIN);
  for (;;) {
    // Spin a while before sleeping: the checker's next call usually comes
    // within microseconds, and waking a sleeping thread costs tens of them
    // (on a calm machine: see SpinBudget).
    let state = Atomics.load(c, STATE);
    const most = budget.next();
    let spin = 0;
    while (spin < most && state !== ASKED && state !== CLOSED) {
      state = Atomics.load(c, STATE);
      spin++;
    }
    budget.spun(spin < most, spin);
    while (state !== ASKED && state !== CLOSED) {
      Atomics.store(c, SUBJECT_ASLEEP, 1);
      state = Atomics.load(c, STATE);
      if (state !== ASKED && state !== CLOSED) Atomics.wait(c, STATE, state, 100);
      Atomics.store(c, SUBJECT_ASLEEP, 0);
      state = Atomics.load(c, STATE);
    }
    if (state === CLOSED) return;
    const op = c[OP] as Op;
    const args: number[] = [];
    for (let i = 0; i < c[ARGC] && i < 7; i++) args.push(v.args[i]);
    const name = op === Op.Get ? v.readText() : "";
    const answer = handle(op, c[HANDLE], v.args[7], args, name);
    c[KIND] = answer.kind;
    v.result[0] = answer.value ?? 0;
    c[HAS_VALUES] = answer.values === undefined ? 0 : 1;
    if (answer.values !== undefined) { for (let i = 0; i < 3; i++) v.args[i] = answer.values[i]; }
    if (answer.text !== undefined) v.writeText(answer.text.slice(0, 1000));
    else c[LENGTH] = 0;
    Atomics.store(c, STATE, ANSWERED);
    if (Atomics.load(c, CHECKER_ASLEEP) !== 0) Atomics.notify(c, STATE);
  }
}
