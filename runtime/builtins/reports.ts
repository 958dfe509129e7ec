/**
 * Builtins that report: `/proc/buddyinfo`, `/proc/slabinfo`, `/proc/meminfo`
 * of the DragonOS manager, and the platform's memory map with its owners.
 *
 * @module
 */

import { memoryMap } from "../../hal/memory_map.ts";
import { buddyinfo, meminfo, slabinfo } from "../../mm/dragonos/reports.ts";
import type { BuiltinGroup } from "./args.ts";

/** Reports. */
export const REPORTS: BuiltinGroup = {
  title: "reports",
  builtins: {
    leaks: {
      params: [],
      doc: "kmemleak's scan now: how many live objects nothing reachable points to",
      fn: (w) => BigInt(w.leaks().length),
    },
    buddyinfo: {
      params: [],
      doc: "/proc/buddyinfo of the DragonOS zones",
      fn: (w) => buddyinfo(w.dragon),
    },
    slabinfo: {
      params: [],
      doc: "/proc/slabinfo of the kmalloc caches",
      fn: (w) => slabinfo(w.dragon),
    },
    meminfo: { params: [], doc: "/proc/meminfo", fn: (w) => meminfo(w.dragon) },
    memory_map: {
      params: [],
      doc: "the platform's memory map and, once booted, who owns what",
      fn: (w) => {
        const lines = memoryMap(w.platform).map((e) =>
          `${("0x" + e.base.toString(16)).padStart(12)}-${
            ("0x" + (e.base + e.size).toString(16)).padEnd(12)
          } ${e.kind.padEnd(8)} ${e.name}`
        );
        const owned = w.peekKernel()?.allocations() ?? [];
        if (owned.length > 0) {
          lines.push("live allocations:");
          for (const a of owned) {
            lines.push(`  0x${a.addr.toString(16)} ${String(a.size).padStart(8)} B  ${a.owner}`);
          }
        }
        return lines.join("\n") + "\n";
      },
    },
  },
  constants: {},
};
