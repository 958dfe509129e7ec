/**
 * The simulated machine: platforms as data, the memory map and free RAM,
 * sparse byte-addressable physical memory, exact 64-bit addresses, and the
 * base of every simulation error. Loads nothing but itself.
 *
 * @example
 * ```ts
 * import { getPlatform, PhysicalMemory } from "@mmsim/mmsim/machine";
 * const board = getPlatform("aarch64-raspi4");
 * const ram = new PhysicalMemory(board.ram);
 * ram.write8(0x1000n, 0xab);
 * console.log(ram.read8(0x1000n), ram.committedBytes); // 171 4096
 * ```
 *
 * @module
 */

export * from "./sim_error.ts";
export * from "./int.ts";
export * from "./address.ts";
export * from "./platform.ts";
export * from "./memory_map.ts";
export * from "./physical_memory.ts";
