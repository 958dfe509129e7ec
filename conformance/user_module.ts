/**
 * Finding the allocator a user's module exports: the first exported class
 * with the methods of a `ByteAllocator`, a `PageAllocator` (with a
 * `pageSize` of 4096) or an `IdAllocator`. Light on purpose: it runs in the
 * realm that holds the user's code, where nothing of the checker is.
 *
 * @module
 */

/** The methods each interface needs. */
export const INTERFACE_METHODS: Readonly<
  Record<"ByteAllocator" | "PageAllocator" | "IdAllocator", readonly string[]>
> = {
  ByteAllocator: [
    "init",
    "addMemory",
    "alloc",
    "dealloc",
    "totalBytes",
    "usedBytes",
    "availableBytes",
  ],
  PageAllocator: [
    "init",
    "addMemory",
    "allocPages",
    "allocPagesAt",
    "deallocPages",
    "totalPages",
    "usedPages",
    "availablePages",
  ],
  IdAllocator: [
    "init",
    "allocId",
    "deallocId",
    "isAllocated",
    "allocFixedId",
    "size",
    "used",
    "available",
  ],
};

/** A user module that does not export an allocator mmsim can test. */
export class UserModuleError extends Error {
  /** The error class's name. */
  override readonly name = "UserModuleError";
}

/** The class found, and the interface it implements. */
export interface FoundClass {
  /** Its export name. */
  name: string;
  /** The interface. */
  kind: "ByteAllocator" | "PageAllocator" | "IdAllocator";
  /** The class. */
  cls: new () => unknown;
}

/**
 * Finds the allocator class `module` (the module at `path`) exports, or
 * throws a {@linkcode UserModuleError} that says what each class lacks.
 *
 * @example
 * ```ts
 * import { findAllocatorClass } from "./user_module.ts";
 * class Nothing {}
 * try { findAllocatorClass("m.ts", { Nothing }); } catch (e) { console.log((e as Error).message); }
 * // m.ts: Nothing is not a ByteAllocator: missing init, addMemory, ...
 * ```
 */
export function findAllocatorClass(path: string, module: Record<string, unknown>): FoundClass {
  const classes = Object.entries(module).filter(([, v]) =>
    typeof v === "function" && (v as { prototype?: unknown }).prototype !== undefined
  ) as [string, new () => unknown][];
  if (classes.length === 0) {
    throw new UserModuleError(
      `${path} exports no class; export a class implementing ByteAllocator, PageAllocator or IdAllocator`,
    );
  }
  const reports: string[] = [];
  for (const [name, cls] of classes) {
    const proto = cls.prototype as Record<string, unknown>;
    const missing = (kind: keyof typeof INTERFACE_METHODS) =>
      INTERFACE_METHODS[kind].filter((m) => typeof proto[m] !== "function");
    const lacks = {
      ByteAllocator: missing("ByteAllocator"),
      PageAllocator: missing("PageAllocator"),
      IdAllocator: missing("IdAllocator"),
    };
    for (const kind of ["ByteAllocator", "PageAllocator", "IdAllocator"] as const) {
      if (lacks[kind].length > 0) continue;
      if (kind === "PageAllocator") {
        const pageSize = (new cls() as { pageSize?: unknown }).pageSize;
        if (pageSize !== 4096) {
          throw new UserModuleError(
            `${path}: ${name}.pageSize is ${String(pageSize)}; the suite tests 4096-byte pages`,
          );
        }
      }
      return { name, kind, cls };
    }
    const [kind, lack] = (Object.entries(lacks) as [string, string[]][])
      .reduce((a, b) => (b[1].length < a[1].length ? b : a));
    reports.push(`${name} is not a ${kind}: missing ${lack.join(", ")}`);
  }
  throw new UserModuleError(`${path}: ${reports.join("; ")}`);
}
