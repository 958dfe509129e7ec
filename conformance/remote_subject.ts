/**
 * The checker's view of a user's allocator that lives in a realm of its
 * own ({@linkcode ./subject_host.ts}): an object with the interface's
 * methods, each a call through the channel. Answers come back as data and
 * are turned into values and errors of the checker's own realm.
 *
 * @module
 */

import { ALLOC_ERROR_KINDS, AllocError, type AllocErrorKind } from "../mm/allocator/alloc_error.ts";
import type { Subject } from "../runtime/world.ts";
import { Answer, Op, type Reply, SubjectCaller } from "./subject_channel.ts";
import { INTERFACE_METHODS } from "./user_module.ts";

/** What the subject threw, rebuilt in the checker's realm: its name and message, as it said them. */
export class ForeignError extends Error {
  /** The name the thrown value had. */
  override readonly name: string;
  /** Rebuilds `text` (`Name: message`, or any words). */
  constructor(text: string) {
    const at = text.indexOf(": ");
    super(at > 0 ? text.slice(at + 2) : text);
    this.name = at > 0 ? text.slice(0, at) : "";
  }
}

/** A reply as a value of the checker's realm (a number, nothing, a boolean), or the error it carries. */
function settle(reply: Reply): number | boolean | undefined {
  switch (reply.kind) {
    case Answer.Number:
      return reply.value;
    case Answer.Void:
      return undefined;
    case Answer.Boolean:
      return reply.value !== 0;
    case Answer.AllocError: {
      let said: { kind?: unknown; reason?: unknown } = {};
      try {
        said = JSON.parse(reply.text);
      } catch {
        // garbled: said as a thrown value below
      }
      if (ALLOC_ERROR_KINDS.includes(said.kind as AllocErrorKind)) {
        const reason = typeof said.reason === "string" ? said.reason : undefined;
        throw new AllocError(said.kind as AllocErrorKind, { reason });
      }
      throw new ForeignError(`AllocError: an AllocError of no known kind (${reply.text})`);
    }
    case Answer.Threw:
      throw new ForeignError(reply.text);
    default:
      // A string, an object, ...: not what any method returns.
      return NaN;
  }
}

/**
 * The subject of a user's allocator behind `channel`, implementing `kind`.
 *
 * @example
 * ```ts ignore
 * const subject = remoteSubject(channel, "ByteAllocator", "my_heap.ts");
 * const heap = subject.make() as ByteAllocator;
 * ```
 */
export function remoteSubject(
  channel: SharedArrayBuffer,
  kind: "ByteAllocator" | "PageAllocator" | "IdAllocator",
  path: string,
): Subject {
  const caller = new SubjectCaller(channel);
  const methods = INTERFACE_METHODS[kind];
  const make = () => {
    const handle = settle(caller.ask(Op.New, 0, 0, []));
    if (typeof handle !== "number") throw new ForeignError("Error: no instance was made");
    const instance: Record<string, unknown> = {};
    // The three statistics (the interface's last three methods) come with
    // each call's answer, or in one round trip of their own, kept until any
    // other call: the checker reads them after every call of the allocator.
    const stats = methods.slice(-3).map((name) => methods.indexOf(name));
    let cached: readonly number[] | undefined;
    methods.forEach((name, i) => {
      const which = stats.indexOf(i);
      instance[name] = which < 0
        ? (...args: number[]) => {
          const reply = caller.ask(Op.Call, handle, i, args);
          cached = reply.values;
          return settle(reply);
        }
        : () => {
          if (cached === undefined) {
            const reply = caller.ask(Op.Stats, handle, 0, stats);
            if (reply.values === undefined) return settle(caller.ask(Op.Call, handle, i, []));
            cached = reply.values;
          }
          return cached[which];
        };
    });
    if (kind === "PageAllocator") {
      Object.defineProperty(instance, "pageSize", {
        get: () => settle(caller.ask(Op.Get, handle, "pageSize", [])),
      });
    }
    return instance as never;
  };
  return { name: path, kind, make };
}
