/** Capability list walks: standard (from 0x34) and PCI Express extended (from 0x100). */
import type { ConfigAccess } from './config-access.js';
import type { Bdf } from './bdf.js';

export const CapId = {
  PM: 0x01,
  MSI: 0x05,
  VENDOR: 0x09,
  PCIE: 0x10,
  MSIX: 0x11,
} as const;

export interface Capability {
  readonly id: number;
  readonly offset: number;
}

const STATUS = 0x06;
const STATUS_CAP_LIST = 1 << 4;
const CAP_PTR = 0x34;

/** Reads `size` bytes of config space at `offset`, little-endian: from a live device or from a saved image. */
export type ConfigReader = (offset: number, size: 1 | 2 | 4) => number | Promise<number>;

/** The standard capability list (guest side over qtest, host side over a sysfs config image). */
export async function capabilityChain(read: ConfigReader): Promise<Capability[]> {
  if (!((await read(STATUS, 2)) & STATUS_CAP_LIST)) return [];
  const caps: Capability[] = [];
  const seen = new Set<number>();
  let ptr = (await read(CAP_PTR, 1)) & 0xfc;
  while (ptr && !seen.has(ptr) && caps.length < 48) {
    seen.add(ptr);
    const w = await read(ptr, 2);
    caps.push({ id: w & 0xff, offset: ptr });
    ptr = (w >> 8) & 0xfc;
  }
  return caps;
}

/**
 * What is wrong with a function's standard capability list, as read raw (the
 * walker above stops quietly at a loop): each pointer inside the device
 * dependent area (0x40..0xfc) and dword aligned, no capability twice in the
 * chain, and an end. Empty when the chain is sane.
 */
export async function capabilityChainProblems(read: ConfigReader): Promise<string[]> {
  if (!((await read(STATUS, 2)) & STATUS_CAP_LIST)) return [];
  const problems: string[] = [];
  const seen = new Set<number>();
  let ptr = await read(CAP_PTR, 1);
  while (ptr !== 0) {
    if (ptr < 0x40 || ptr % 4 !== 0) problems.push(`pointer 0x${ptr.toString(16)} is outside 0x40..0xfc or not dword aligned`);
    const at = ptr & 0xfc;
    if (seen.has(at)) {
      problems.push(`the chain comes back to 0x${at.toString(16)}: a loop`);
      break;
    }
    seen.add(at);
    ptr = (await read(at, 2)) >> 8;
  }
  return problems;
}

export function walkCapabilities(cfg: ConfigAccess, bdf: Bdf): Promise<Capability[]> {
  return capabilityChain((offset, size) => cfg.read(bdf, offset, size));
}

export async function walkExtendedCapabilities(cfg: ConfigAccess, bdf: Bdf): Promise<Capability[]> {
  if (cfg.limit <= 256) return [];
  const caps: Capability[] = [];
  let ptr = 0x100;
  const seen = new Set<number>();
  while (ptr && !seen.has(ptr) && caps.length < 64) {
    seen.add(ptr);
    const h = await cfg.read(bdf, ptr, 4);
    if (h === 0 || h === 0xffffffff) break;
    caps.push({ id: h & 0xffff, offset: ptr });
    ptr = (h >>> 20) & 0xffc;
  }
  return caps;
}
