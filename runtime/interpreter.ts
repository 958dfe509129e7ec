/**
 * Runs a loaded `.mms` script on a simulated world.
 *
 * @module
 */

import type { Expr, Loc, Program, Stmt } from "../dsl/ast.ts";
import { arityProblem } from "../dsl/check.ts";
import { BUILTINS, constant } from "./builtins.ts";
import { binop, boundedString, checkRange, intOf } from "./operators.ts";
import type { ContractResult, InterpreterOptions, RunEvent, RunSummary } from "./run_events.ts";
import {
  errorName,
  ExpectationFailed,
  InternalError,
  isSimulationError,
  ReturnSignal,
  RunError,
  ScriptError,
  SimError,
  type Site,
  SkipSignal,
  TimeLimitError,
  withCode,
} from "./errors.ts";
import type { LoadedScript } from "./loader.ts";
import { AddressHints } from "./address_hint.ts";
import { LaneScope } from "./lane_scope.ts";
import {
  ADDRESS_LIKE,
  BoundMethod,
  formatValue,
  Handle,
  ProcValue,
  Rec,
  truthy,
  typeName,
  type Value,
} from "./values.ts";
import type { World } from "./world.ts";
import { KernelPanic } from "../mm/kernel_panic.ts";
import { AllocError } from "../mm/allocator/alloc_error.ts";

/** Builtins that answer a failed allocation with `null` rather than an error (as kmalloc returns NULL). */
const NULL_ON_FAILURE: ReadonlySet<string> = new Set(["kmalloc", "kzalloc", "zone_alloc_pages"]);

export type { ContractResult, InterpreterOptions, RunEvent, RunSummary } from "./run_events.ts";
export { binop } from "./operators.ts";

/**
 * How deep procedure calls may nest: well inside the JavaScript stack, which
 * each script-level call takes a dozen frames of.
 */
const MAX_CALL_DEPTH = 200;

/** Whether `e` is V8's stack overflow (a script nesting deeper than the stack holds). */
function isStackOverflow(e: unknown): boolean {
  return e instanceof RangeError && e.message.includes("call stack");
}

/**
 * The interpreter.
 *
 * @example
 * ```ts
 * import { load } from "./loader.ts";
 * import { Interpreter } from "./interpreter.ts";
 * import { World } from "./world.ts";
 * const script = load("demo.mms", { read: () => "" }, "final_init()\nprint alloc(64, 8) % 8\n");
 * new Interpreter(new World(), (e) => console.log(e.text)).run(script); // 0
 * ```
 */
export class Interpreter {
  readonly #world: World;
  readonly #emit: (e: RunEvent) => void;
  readonly #globals = new Map<string, Value>();
  readonly #procs = new Map<string, ProcValue>();
  #locals: Map<string, Value> | undefined;
  /** The locals of the callers of the running procedure. */
  readonly #frames: Map<string, Value>[] = [];
  #script: LoadedScript | undefined;
  /** Which expressions are addresses (made on the first small integer printed). */
  #hints: AddressHints | undefined;
  #program: Program | undefined;
  #chain: Site[] = [];
  #calls: Site[] = [];
  #expectations = 0;
  #statements = 0;
  #depth = 0;
  /**
   * The CPUs that `on cpu` blocks and `parallel` lanes run on now (or go
   * back to), each with how many hold it: `cpus N` may not take them away.
   */
  readonly #cpusHeld = new Map<number, number>();
  readonly #contracts: ContractResult[] = [];
  readonly #scriptLimit: number | undefined;
  readonly #contractLimit: number | undefined;
  readonly #skipContracts: number;
  #contractIndex = 0;
  #scriptDeadline = Infinity;
  #contractDeadline = Infinity;
  #ticks = 0;

  /** Creates an interpreter on `world`, reporting prints and passed expectations to `emit`. */
  constructor(world: World, emit: (e: RunEvent) => void, options: InterpreterOptions = {}) {
    this.#scriptLimit = options.timeLimit;
    this.#contractLimit = options.contractTimeLimit;
    this.#skipContracts = options.skipContracts ?? 0;
    this.#world = world;
    this.#emit = emit;
    // The leak check's roots: every variable of every scope that is running.
    world.roots = () => {
      const values: Value[] = [...this.#globals.values()];
      for (const frame of this.#frames) values.push(...frame.values());
      if (this.#locals !== undefined) values.push(...this.#locals.values());
      return values;
    };
  }

  /** Runs a loaded script (which must have no problems). Throws a {@linkcode RunError} on failure. */
  run(script: LoadedScript): RunSummary {
    if (script.problems.length > 0) {
      throw new Error("the script has problems; report them instead of running it");
    }
    this.#script = script;
    this.#hints = undefined;
    this.#world.checkTime = () => this.#clock();
    if (this.#scriptLimit !== undefined) {
      this.#scriptDeadline = performance.now() + this.#scriptLimit * 1000;
    }
    let skipped: RunSummary["skipped"];
    try {
      this.#runProgram(script.main);
    } catch (e) {
      if (!(e instanceof SkipSignal)) throw e;
      skipped = { reason: e.reason, file: e.site!.file, line: e.site!.loc.line };
    }
    return {
      expectations: this.#expectations,
      statements: this.#statements,
      contracts: this.#contracts,
      ...(skipped === undefined ? {} : { skipped }),
    };
  }

  #runProgram(program: Program): void {
    const saved = this.#program;
    this.#program = program;
    for (const s of program.body) {
      if (s.kind === "proc") {
        this.#procs.set(s.name, new ProcValue(s.name, s.params, s.body, program.file));
      }
    }
    try {
      this.#block(program.body);
    } finally {
      this.#program = saved;
    }
  }

  /** A contract's closing checks (the subject harness's): a failure is the contract's, at its line. */
  #endContract(at: Loc, ranThrough: boolean): void {
    try {
      this.#world.endContract(ranThrough);
    } catch (e) {
      if (!isSimulationError(e)) throw e;
      throw new RunError(this.#site(at), e, [...this.#chain], [...this.#calls]);
    }
  }

  /** Stops a run or a contract past its time limit (looked at every few hundred steps). */
  #clock(): void {
    const now = performance.now();
    if (now > this.#contractDeadline) {
      throw new TimeLimitError("contract", this.#contractLimit!, this.#statements);
    }
    if (now > this.#scriptDeadline) {
      throw new TimeLimitError("script", this.#scriptLimit!, this.#statements);
    }
  }

  #block(stmts: readonly Stmt[]): void {
    for (const s of stmts) this.#stmt(s);
  }

  #site(loc: Loc): Site {
    return { file: this.#program!.file, loc };
  }

  #stmt(s: Stmt): void {
    try {
      if ((++this.#statements & 255) === 0) this.#clock();
      this.#exec(s);
      this.#world.afterStatement?.();
    } catch (e) {
      this.#failed(s, e);
    }
  }

  /** `fn`, whose errors are `s`'s (a condition a lane of `parallel` evaluates). */
  #at<T>(s: Stmt, fn: () => T): T {
    try {
      return fn();
    } catch (e) {
      return this.#failed(s, e);
    }
  }

  /** What an error thrown while running `s` becomes: a RunError at `s` (a panic halts the kernel). */
  #failed(s: Stmt, e: unknown): never {
    return this.#failedAt(s.loc, e);
  }

  /** {@linkcode Interpreter.#failed} at `loc`, a part of a statement (a lane's CPU). */
  #failedAt(loc: Loc, e: unknown): never {
    if (e instanceof RunError || e instanceof ReturnSignal) throw e;
    if (e instanceof SkipSignal) {
      e.site ??= this.#site(loc);
      throw e;
    }
    const error = isSimulationError(e) ? e : isStackOverflow(e)
      ? new ScriptError(
        `procedure calls and blocks nested too deep for the interpreter's stack ` +
          `(${this.#depth} calls deep here; calls may nest ${MAX_CALL_DEPTH} deep, ` +
          "less when their bodies nest deeply)",
      )
      : new InternalError(e);
    if (error instanceof KernelPanic) {
      error.where ??= `${this.#program!.file}:${loc.line}`;
      this.#world.halt(error);
    }
    throw new RunError(this.#site(loc), error, [...this.#chain], [...this.#calls]);
  }

  /** `on cpu K { ... }`: the block runs on CPU K, then the CPU before. */
  #onCpu(s: Extract<Stmt, { kind: "onCpu" }>): void {
    const k = this.#cpuOf(s.cpu);
    const saved = this.#world.cpu;
    this.#world.cpu = k;
    this.#holdCpu(k, 1);
    try {
      this.#block(s.body);
    } finally {
      this.#holdCpu(k, -1);
      this.#world.cpu = saved;
    }
  }

  /** Counts one more (`by` 1) or one less (-1) block or lane on CPU `k`. */
  #holdCpu(k: number, by: number): void {
    const n = (this.#cpusHeld.get(k) ?? 0) + by;
    if (n === 0) this.#cpusHeld.delete(k);
    else this.#cpusHeld.set(k, n);
  }

  /** `cpus N`: refused while a block or a lane runs on a CPU it would take away. */
  #setCpus(n: bigint): void {
    const held = [this.#world.cpu, ...this.#cpusHeld.keys()];
    const highest = Math.max(...held);
    if (n >= 1n && n <= BigInt(highest)) {
      throw new ScriptError(
        `'cpus ${n}' would take away CPU ${highest}, which ` +
          (highest === this.#world.cpu
            ? "runs this statement"
            : "an 'on cpu' block or a lane runs on"),
      );
    }
    this.#world.setCpus(n);
  }

  /** The CPU `e` names; an error is the expression's (`on cpu 9`: at the `9`). */
  #cpuOf(e: Expr): number {
    try {
      return this.#world.cpuNumber(intOf(this.#eval(e), "cpu"));
    } catch (err) {
      return this.#failedAt(e.loc, err);
    }
  }

  /**
   * `parallel { cpu 0 { ... } cpu 1 { ... } }`: the lanes' statements
   * interleaved, one step at a time, in an order drawn from the seed. A
   * step is one simple statement (a call, an assignment, an expect...);
   * `if`, loops and `on cpu` are entered step by step (other blocks run as one step), a
   * procedure call is one step.
   */
  #parallel(s: Extract<Stmt, { kind: "parallel" }>): void {
    const saved = this.#world.cpu;
    // Each lane declares variables of its own (a task's locals): two lanes
    // that `let` the same name do not share it. They read and assign what
    // was there before: the script's variables, or the procedure's.
    const outer = this.#locals;
    const lanes = s.lanes.map((l) => {
      const lane = {
        cpu: this.#cpuOf(l.cpu),
        scope: outer === undefined ? new Map<string, Value>() : new LaneScope(outer),
        steps: undefined as Generator<void> | undefined,
      };
      lane.steps = this.#steps(l.body, lane);
      return lane;
    });
    // Each lane holds its CPU until it ends (a lane is back on it whenever
    // it yields outside an `on cpu`, and when it is done or closed).
    for (const l of lanes) this.#holdCpu(l.cpu, 1);
    // The leak check's roots while the lanes run: every lane's variables, and the procedure's.
    const frames = this.#frames.length;
    if (outer !== undefined) this.#frames.push(outer);
    for (const l of lanes) this.#frames.push(l.scope);
    try {
      while (lanes.length > 0) {
        const i = Number(this.#world.rng.between(0n, BigInt(lanes.length - 1)));
        const lane = lanes[i];
        this.#world.cpu = lane.cpu;
        this.#locals = lane.scope;
        if (lane.steps!.next().done) {
          lanes.splice(i, 1);
          this.#holdCpu(lane.cpu, -1);
        }
      }
    } finally {
      for (const l of lanes) {
        this.#locals = l.scope;
        l.steps!.return(undefined);
        this.#holdCpu(l.cpu, -1);
      }
      this.#locals = outer;
      this.#frames.length = frames;
      this.#world.cpu = saved;
    }
  }

  /** Declares `name` in `scope` (a lane's declarations are its own). */
  #declareIn(scope: Map<string, Value>, name: string, value: Value): void {
    if (scope instanceof LaneScope) scope.declare(name, value);
    else scope.set(name, value);
  }

  /** The steps of `stmts` in a lane of `parallel` (see {@linkcode Interpreter.#parallel}). */
  *#steps(stmts: readonly Stmt[], lane: { cpu: number }): Generator<void> {
    for (const s of stmts) {
      switch (s.kind) {
        case "if": {
          const c = this.#at(s, () => truthy(this.#eval(s.cond)));
          yield* this.#steps(c ? s.then : s.else ?? [], lane);
          break;
        }
        case "repeat": {
          const n = this.#at(s, () => this.#count(this.#eval(s.count), "repeat"));
          for (let i = 0n; i < n; i++) {
            this.#laneTick(s);
            yield* this.#steps(s.body, lane);
          }
          break;
        }
        case "while":
          while (this.#at(s, () => truthy(this.#eval(s.cond)))) {
            this.#laneTick(s);
            yield* this.#steps(s.body, lane);
          }
          break;
        case "for": {
          const [from, to] = this.#at(s, () => [
            intOf(this.#eval(s.from), "for"),
            intOf(this.#eval(s.to), "for"),
          ]);
          const scope = this.#locals ?? this.#globals;
          for (let i = from; i < to; i++) {
            this.#laneTick(s);
            this.#declareIn(scope, s.name, i);
            yield* this.#steps(s.body, lane);
          }
          break;
        }
        case "onCpu": {
          const saved = lane.cpu;
          const k = this.#at(s, () => this.#cpuOf(s.cpu));
          lane.cpu = k;
          this.#world.cpu = k;
          this.#holdCpu(k, 1);
          try {
            yield* this.#steps(s.body, lane);
          } finally {
            this.#holdCpu(k, -1);
            lane.cpu = saved;
          }
          break;
        }
        default:
          this.#stmt(s);
          yield;
      }
    }
  }

  /**
   * A loop's turn in a lane, as `#exec` counts them: the time limits hold
   * in a lane too (a loop whose body takes no step never yields).
   */
  #laneTick(s: Stmt): void {
    if ((++this.#ticks & 1023) === 0) this.#at(s, () => this.#clock());
  }

  #exec(s: Stmt): void {
    switch (s.kind) {
      case "let":
        this.#declareIn(this.#locals ?? this.#globals, s.name, this.#eval(s.value));
        return;
      case "assign": {
        const v = this.#eval(s.value);
        if (this.#locals?.has(s.name)) this.#locals.set(s.name, v);
        else if (this.#globals.has(s.name)) this.#globals.set(s.name, v);
        else {
          throw new ScriptError(
            `assignment to '${s.name}' before a let declares it (let ${s.name} = ... first)`,
          );
        }
        return;
      }
      case "expr":
        this.#eval(s.expr);
        return;
      case "print": {
        const v = this.#eval(s.value);
        this.#emit({
          event: "print",
          text: this.#shown(s.value, v),
          file: this.#program!.file,
          line: s.loc.line,
        });
        return;
      }
      case "expect":
        this.#expect(s);
        return;
      case "expectError":
        this.#expectError(s);
        return;
      case "if":
        if (truthy(this.#eval(s.cond))) this.#block(s.then);
        else if (s.else) this.#block(s.else);
        return;
      case "repeat": {
        const n = this.#count(this.#eval(s.count), "repeat");
        for (let i = 0n; i < n; i++) {
          if ((++this.#ticks & 1023) === 0) this.#clock();
          this.#block(s.body);
        }
        return;
      }
      case "while":
        while (truthy(this.#eval(s.cond))) {
          if ((++this.#ticks & 1023) === 0) this.#clock();
          this.#block(s.body);
        }
        return;
      case "for": {
        const from = intOf(this.#eval(s.from), "for");
        const to = intOf(this.#eval(s.to), "for");
        const scope = this.#locals ?? this.#globals;
        for (let i = from; i < to; i++) {
          if ((++this.#ticks & 1023) === 0) this.#clock();
          this.#declareIn(scope, s.name, i);
          this.#block(s.body);
        }
        return;
      }
      case "proc":
        this.#procs.set(s.name, new ProcValue(s.name, s.params, s.body, this.#program!.file));
        return;
      case "return":
        throw new ReturnSignal(s.value === undefined ? null : this.#eval(s.value));
      case "include": {
        const target = this.#script!.includes.get(s)!;
        this.#chain.push(this.#site(s.loc));
        try {
          this.#runProgram(this.#script!.programs.get(target)!);
        } finally {
          this.#chain.pop();
        }
        return;
      }
      case "platform":
        this.#world.setPlatform(s.name);
        return;
      case "kernel": {
        const v = s.value.kind === "name" && !this.#has(s.value.name)
          ? s.value.name
          : this.#eval(s.value);
        if (typeof v !== "string" && typeof v !== "bigint") {
          throw new ScriptError(`kernel ${s.key} takes a name or a number`);
        }
        this.#world.configure(s.key, v, this.#program!.file);
        return;
      }
      case "contract":
        this.#contract(s);
        return;
      case "cpus":
        this.#setCpus(intOf(this.#eval(s.count), "cpus"));
        return;
      case "ram":
        this.#world.setRamSize(intOf(this.#eval(s.size), "ram"));
        return;
      case "onCpu":
        this.#onCpu(s);
        return;
      case "parallel":
        this.#parallel(s);
        return;
      case "unchecked":
        // Deliberate raw access (a bootloader's writes): the sanitizer looks away.
        this.#world.unchecked++;
        try {
          this.#block(s.body);
        } finally {
          this.#world.unchecked--;
        }
        return;
      case "using": {
        const v = this.#eval(s.value);
        if (!(v instanceof Handle) || v.methods.release === undefined) {
          throw new ScriptError(
            `'using' needs something to release (a GlobalPage), not ${typeName(v)}`,
          );
        }
        this.#declareIn(this.#locals ?? this.#globals, s.name, v);
        try {
          this.#block(s.body);
        } finally {
          if (v.fields.released?.() !== true) v.methods.release.fn([]);
        }
        return;
      }
    }
  }

  /** A `contract` block: run, timed and reported on its own; a failure ends it, not the script. */
  #contract(s: Extract<Stmt, { kind: "contract" }>): void {
    if (this.#contractIndex++ < this.#skipContracts) return;
    this.#emit({
      event: "contract-start",
      name: s.name,
      file: this.#program!.file,
      line: s.loc.line,
    });
    const result: ContractResult = {
      name: s.name,
      file: this.#program!.file,
      line: s.loc.line,
      ok: true,
      ms: 0,
    };
    const t0 = performance.now();
    if (this.#contractLimit !== undefined) {
      this.#contractDeadline = t0 + this.#contractLimit * 1000;
    }
    let ranThrough = false;
    try {
      this.#block(s.body);
      ranThrough = true;
      this.#endContract(s.loc, true);
    } catch (e) {
      if (!ranThrough) this.#world.endContract(false);
      if (!(e instanceof RunError)) throw e;
      if (e.error instanceof TimeLimitError && e.error.scope === "script") throw e;
      result.ok = false;
      result.failure = {
        file: e.site.file,
        line: e.site.loc.line,
        column: e.site.loc.column,
        message: e.error.message,
        error: errorName(e.error),
      };
    }
    this.#contractDeadline = Infinity;
    result.ms = performance.now() - t0;
    this.#contracts.push(result);
    this.#emit({ event: "contract", ...result });
  }

  #count(v: Value, what: string): bigint {
    const n = intOf(v, what);
    if (n < 0n) throw new ScriptError(`${what} count ${n} is negative`);
    return n;
  }

  #text(e: Expr): string {
    return this.#program!.source.slice(e.loc.start, e.loc.end);
  }

  #expect(s: Extract<Stmt, { kind: "expect" }>): void {
    this.#expectations++;
    const parts: string[] = [];
    let ok: Value;
    const c = s.cond;
    if (c.kind === "binary" && c.op !== "&&" && c.op !== "||") {
      const l = this.#eval(c.left);
      const r = this.#eval(c.right);
      ok = binop(c.op, l, r);
      for (const [e, v] of [[c.left, l], [c.right, r]] as const) {
        if (e.kind !== "int" && e.kind !== "str") {
          parts.push(`${this.#text(e)} = ${formatValue(v)}`);
        }
      }
    } else {
      ok = this.#eval(c);
      if (c.kind !== "bool") parts.push(`${this.#text(c)} = ${formatValue(ok)}`);
    }
    if (!truthy(ok)) {
      const msg = this.#why(s.message);
      throw new ExpectationFailed(
        `expect ${this.#text(c)} failed${msg}${parts.length ? `: ${parts.join(", ")}` : ""}`,
      );
    }
    this.#emit({
      event: "expect",
      ok: true,
      text: this.#text(c),
      file: this.#program!.file,
      line: s.loc.line,
    });
  }

  #expectError(s: Extract<Stmt, { kind: "expectError" }>): void {
    this.#expectations++;
    try {
      this.#world.expectingError++;
      try {
        this.#block(s.body);
      } finally {
        this.#world.expectingError--;
      }
    } catch (e) {
      const inner = e instanceof RunError ? e.error : e;
      if (inner instanceof ReturnSignal || inner instanceof SkipSignal) throw inner;
      if (inner instanceof TimeLimitError) throw e;
      const name = errorName(inner);
      if (name === s.error || (inner instanceof SimError && inner.aliases.includes(s.error))) {
        this.#emit({
          event: "expect",
          ok: true,
          text: `error ${s.error}`,
          file: this.#program!.file,
          line: s.loc.line,
        });
        return;
      }
      if (!isSimulationError(inner)) throw e;
      throw new ExpectationFailed(
        `expected error ${s.error}${this.#why(s.message)}, got ${withCode(inner)}`,
      );
    }
    throw new ExpectationFailed(
      `expected error ${s.error}${this.#why(s.message)}, but the block ran without one`,
    );
  }

  /** An expectation's own message, as ` (message)`, or nothing. */
  #why(message: Expr | undefined): string {
    return message === undefined ? "" : ` (${formatValue(this.#eval(message))})`;
  }

  #has(name: string): boolean {
    return this.#locals?.has(name) || this.#globals.has(name) || this.#procs.has(name) ||
      constant(this.#world, name) !== undefined;
  }

  #lookup(name: string): Value {
    const l = this.#locals?.get(name);
    if (l !== undefined) return l;
    if (this.#locals?.has(name)) return null;
    const g = this.#globals.get(name);
    if (g !== undefined || this.#globals.has(name)) return g ?? null;
    const p = this.#procs.get(name);
    if (p !== undefined) return p;
    const c = constant(this.#world, name);
    if (c !== undefined) return c;
    if (name in BUILTINS) {
      const b = BUILTINS[name];
      return new BoundMethod(name, b.params, (args) => b.fn(this.#world, args));
    }
    throw new ScriptError(`'${name}' is not defined here`);
  }

  #eval(e: Expr): Value {
    switch (e.kind) {
      case "int":
        return e.value;
      case "bool":
        return e.value;
      case "null":
        return null;
      case "str": {
        let out = "";
        for (const p of e.parts) {
          out = boundedString(out, typeof p === "string" ? p : this.#shown(p, this.#eval(p)));
        }
        return out;
      }
      case "name":
        return this.#lookup(e.name);
      case "unary": {
        const v = this.#eval(e.arg);
        if (e.op === "!") return !truthy(v);
        const n = intOf(v, e.op);
        return e.op === "-" ? checkRange(-n) : BigInt.asUintN(64, ~n);
      }
      case "binary": {
        if (e.op === "&&") return truthy(this.#eval(e.left)) && truthy(this.#eval(e.right));
        if (e.op === "||") return truthy(this.#eval(e.left)) || truthy(this.#eval(e.right));
        return binop(e.op, this.#eval(e.left), this.#eval(e.right));
      }
      case "field": {
        const o = this.#eval(e.object);
        if (o instanceof Rec) {
          if (!(e.name in o.fields)) {
            throw new ScriptError(
              `${o.type} has no field '${e.name}' (fields: ${Object.keys(o.fields).join(", ")})`,
            );
          }
          return o.fields[e.name];
        }
        if (o instanceof Handle) {
          const f = o.fields[e.name];
          if (f !== undefined) return f();
          const m = o.methods[e.name];
          if (m !== undefined) return new BoundMethod(e.name, m.params, m.fn);
          throw new ScriptError(
            `${o.type} has no field or method '${e.name}' (has: ${
              [...Object.keys(o.fields), ...Object.keys(o.methods)].join(", ")
            })`,
          );
        }
        throw new ScriptError(`'.${e.name}' on ${typeName(o)} ${formatValue(o)}: it has no fields`);
      }
      case "call": {
        const args = e.args.map((a) => this.#eval(a));
        if (e.callee.kind === "name") {
          const name = e.callee.name;
          if (!this.#locals?.has(name) && !this.#globals.has(name)) {
            const p = this.#procs.get(name);
            if (p !== undefined) return this.#call(p, args, e.loc);
            const b = BUILTINS[name];
            if (b !== undefined) {
              this.#world.setCallSite(this.#program!.file, this.#program!.source, e.loc);
              if (this.#world.onCallFailed === undefined) return b.fn(this.#world, args);
              let result: Value;
              try {
                result = b.fn(this.#world, args);
              } catch (err) {
                this.#world.onCallFailed(err, { name, args });
                throw err;
              }
              if (result === null && NULL_ON_FAILURE.has(name)) {
                // kmalloc's way of failing: NULL (and a line in the log).
                this.#world.onCallFailed(
                  new AllocError("NoMemory", { reason: `${name} returned NULL` }),
                  { name, args },
                );
              }
              return result;
            }
          }
        }
        const f = this.#eval(e.callee);
        if (f instanceof ProcValue) return this.#call(f, args, e.loc);
        if (f instanceof BoundMethod) {
          const called = e.callee.kind === "field" ? this.#text(e.callee) : f.name;
          const wrong = arityProblem(called, f.params, args.length);
          if (wrong !== undefined) throw new ScriptError(wrong);
          this.#world.setCallSite(this.#program!.file, this.#program!.source, e.loc);
          return f.fn(args);
        }
        throw new ScriptError(`${this.#text(e.callee)} is ${typeName(f)}, not something to call`);
      }
    }
  }

  /** A value as `print` shows it: an address in hex, whatever its size. */
  #shown(e: Expr, v: Value): string {
    if (typeof v === "bigint" && v >= 0n && v < ADDRESS_LIKE) {
      this.#hints ??= new AddressHints(this.#script!.programs.values());
      if (this.#hints.isAddress(e)) return "0x" + v.toString(16);
    }
    return formatValue(v);
  }

  #call(p: ProcValue, args: Value[], at: Loc): Value {
    if (args.length !== p.params.length) {
      throw new ScriptError(`${p.name} takes ${p.params.length} arguments, got ${args.length}`);
    }
    if (this.#depth >= MAX_CALL_DEPTH) {
      throw new ScriptError(
        `${p.name}: procedure calls nested more than ${MAX_CALL_DEPTH} deep (runaway recursion?)`,
      );
    }
    const saved = this.#locals;
    if (saved !== undefined) this.#frames.push(saved);
    this.#calls.push(this.#site(at));
    this.#locals = new Map(p.params.map((n, i) => [n, args[i]]));
    const program = this.#program;
    const target = this.#script!.programs.get(p.file);
    if (target) this.#program = target;
    this.#depth++;
    try {
      this.#block(p.body);
      return null;
    } catch (e) {
      if (e instanceof ReturnSignal) return e.value as Value;
      throw e;
    } finally {
      this.#calls.pop();
      this.#depth--;
      if (saved !== undefined) this.#frames.pop();
      this.#locals = saved;
      this.#program = program;
    }
  }
}
