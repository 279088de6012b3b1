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

export const ExtCapId = {
  AER: 0x0001,
  SRIOV: 0x0010,
} as const;

export interface Capability {
  readonly id: number;
  readonly offset: number;
}

const STATUS = 0x06;
const STATUS_CAP_LIST = 1 << 4;
const CAP_PTR = 0x34;

export async function walkCapabilities(cfg: ConfigAccess, bdf: Bdf): Promise<Capability[]> {
  if (!((await cfg.read(bdf, STATUS, 2)) & STATUS_CAP_LIST)) return [];
  const caps: Capability[] = [];
  const seen = new Set<number>();
  let ptr = (await cfg.read(bdf, CAP_PTR, 1)) & 0xfc;
  while (ptr && !seen.has(ptr) && caps.length < 48) {
    seen.add(ptr);
    const w = await cfg.read(bdf, ptr, 2);
    caps.push({ id: w & 0xff, offset: ptr });
    ptr = (w >> 8) & 0xfc;
  }
  return caps;
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
