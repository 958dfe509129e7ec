/**
 * The realm of a user's TypeScript allocator: a Worker that holds the
 * user's module and nothing of the checker. It imports the module (with
 * read permission for its directory, dropped right after), says which
 * interface the exported class implements, then answers calls from the
 * checker through the {@linkcode serveCalls} channel for ever. Whatever
 * the module does to this realm's globals, built-ins or imported modules
 * changes only what it answers, which the checker judges elsewhere.
 *
 * @module
 */

import { findAllocatorClass, INTERFACE_METHODS } from "./user_module.ts";
import { Answer, Op, serveCalls, type Served } from "./subject_channel.ts";
import { moduleProblem } from "./protocol.ts";
import { describeThrown } from "../hal/sim_error.ts";

/** What the runner sends this realm first. */
export interface SubjectHostRequest {
  /** A secret the runner's messages from here must carry (the module cannot know it). */
  token: string;
  /** The module's URL. */
  module: string;
  /** Its path, as the user named it. */
  path: string;
  /** The call channel. */
  channel: SharedArrayBuffer;
}

/** What this realm tells the runner, once. */
export type SubjectHostMessage =
  | { token: string; kind: "ready"; interface: "ByteAllocator" | "PageAllocator" | "IdAllocator" }
  | { token: string; kind: "module-error"; message: string };

/** The worker's global scope, as far as this module uses it. */
const scope = self as unknown as {
  postMessage(message: SubjectHostMessage): void;
  onmessage: ((e: MessageEvent<SubjectHostRequest>) => void) | null;
};

// Taken before any user code runs: the module may replace them later.
const post: (m: SubjectHostMessage) => void = scope.postMessage.bind(scope);
const revoke = Deno.permissions.revoke.bind(Deno.permissions);

/** An answer to send back for a returned value. */
function answerOf(v: unknown): Served {
  if (typeof v === "number") return { kind: Answer.Number, value: v };
  if (v === undefined || v === null) return { kind: Answer.Void };
  if (typeof v === "boolean") return { kind: Answer.Boolean, value: v ? 1 : 0 };
  return { kind: Answer.Other, text: `a value of type ${typeof v}` };
}

/** An answer to send back for a thrown value: an `AllocError` by its kind, else in words. */
function thrownOf(e: unknown): Served {
  try {
    const x = e as { name?: unknown; kind?: unknown; reason?: unknown };
    if (e instanceof Error && x.name === "AllocError" && typeof x.kind === "string") {
      const reason = typeof x.reason === "string" ? x.reason : undefined;
      return { kind: Answer.AllocError, text: JSON.stringify({ kind: x.kind, reason }) };
    }
  } catch {
    // not an AllocError we can read
  }
  return { kind: Answer.Threw, text: describeThrown(e) };
}

scope.onmessage = async (e: MessageEvent<SubjectHostRequest>) => {
  scope.onmessage = null;
  const { token, module, path, channel } = e.data;
  // The module may not end this realm: Deno.exit becomes an error of the call.
  Object.defineProperty(Deno, "exit", {
    value: (code?: number) => {
      throw new Error(`the allocator called Deno.exit(${code ?? ""})`);
    },
    configurable: true,
    writable: true,
  });
  let found;
  try {
    found = findAllocatorClass(path, await import(module));
  } catch (err) {
    post({ token, kind: "module-error", message: moduleProblem(err) });
    return;
  }
  await revoke({ name: "read" });
  post({ token, kind: "ready", interface: found.kind });
  const methods = INTERFACE_METHODS[found.kind];
  // The statistics are each interface's last three methods.
  const stats = [methods.length - 3, methods.length - 2, methods.length - 1];
  /** The statistics `which` (method numbers) of `instance`, if all are numbers. */
  const statsOf = (instance: Record<string, unknown>, which: number[]): number[] | undefined => {
    const values = which.slice(0, 3).map((m) =>
      (instance[methods[m]] as () => unknown).call(instance)
    );
    return values.every((x) => typeof x === "number") ? values as number[] : undefined;
  };
  const instances: Record<string, unknown>[] = [];
  serveCalls(channel, (op, handle, method, args, name) => {
    try {
      if (op === Op.New) {
        instances.push(new found.cls() as Record<string, unknown>);
        return { kind: Answer.Number, value: instances.length - 1 };
      }
      const instance = instances[handle];
      if (op === Op.Get) return answerOf(instance[name]);
      if (op === Op.Stats) {
        // The three statistics in one round trip; anything but three numbers
        // and the checker asks for each alone.
        const values = statsOf(instance, args);
        return values !== undefined
          ? { kind: Answer.Number, value: values[0], values }
          : { kind: Answer.Other, text: "statistics that are not all numbers" };
      }
      const fn = instance[methods[method]] as (...a: number[]) => unknown;
      let answer: Served;
      try {
        answer = answerOf(fn.apply(instance, args));
      } catch (err) {
        answer = thrownOf(err);
      }
      // The statistics as they are now come with the answer (the checker
      // reads them after every call of the allocator): one round trip, not
      // two. A statistic that throws or is not a number: the checker asks.
      if (method < stats[0]) {
        try {
          answer.values = statsOf(instance, stats);
        } catch {
          // asked for alone, when the checker reads it
        }
      }
      return answer;
    } catch (err) {
      return thrownOf(err);
    }
  });
};
