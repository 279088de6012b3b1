/**
 * The host's view of one PCI function from sysfs: its physical config space
 * (MSI and MSI-X capability state as the device holds it), the host IRQs
 * allocated to it (msi_irqs/), and each IRQ's kernel description
 * (/sys/kernel/irq/N). Roots are parameters so recorded trees can be read.
 */
import fs from 'node:fs/promises';
import path from 'node:path';
import { EnvironmentError } from '../errors.js';
import { capabilityChain, CapId } from '../pci/capabilities.js';

export interface HostRoots {
  readonly sys: string;
  readonly proc: string;
}

export const REAL_HOST: HostRoots = { sys: '/sys', proc: '/proc' };

export interface PhysicalMsix {
  readonly offset: number;
  readonly enabled: boolean;
  readonly functionMasked: boolean;
  readonly tableSize: number;
  readonly tableBir: number;
  /** Byte offset of the table within its BAR. */
  readonly tableOffset: number;
  readonly pbaBir: number;
}

export interface PhysicalMsi {
  readonly offset: number;
  readonly enabled: boolean;
}

export interface HostIrq {
  readonly irq: number;
  /** From msi_irqs/N: "msi" or "msix". */
  readonly mode: string;
  readonly chip?: string;
  readonly hwirq?: number;
  readonly actions?: readonly string[];
  readonly perCpu?: readonly number[];
}

/** MSI and MSI-X state from a raw config space image (at least 256 bytes). */
export async function physicalCapabilities(config: Buffer): Promise<{ msi?: PhysicalMsi; msix?: PhysicalMsix }> {
  const out: { msi?: PhysicalMsi; msix?: PhysicalMsix } = {};
  if (config.length < 256) return out;
  const read = (offset: number, size: 1 | 2 | 4) => config.readUIntLE(offset, size);
  for (const { id, offset: ptr } of await capabilityChain(read)) {
    const control = config.readUInt16LE(ptr + 2);
    if (id === CapId.MSIX) out.msix = { offset: ptr, enabled: !!(control & 0x8000), functionMasked: !!(control & 0x4000), tableSize: (control & 0x7ff) + 1, tableBir: config[ptr + 4]! & 7, tableOffset: (config.readUInt32LE(ptr + 4) & ~7) >>> 0, pbaBir: config[ptr + 8]! & 7 };
    if (id === CapId.MSI) out.msi = { offset: ptr, enabled: !!(control & 1) };
  }
  return out;
}

export function deviceDir(bdf: string, roots: HostRoots = REAL_HOST): string {
  return path.join(roots.sys, 'bus/pci/devices', bdf);
}

/** The full config space; refuses the 64-byte image a non-root read gives. */
export async function readConfig(bdf: string, roots: HostRoots = REAL_HOST): Promise<Buffer> {
  let buf: Buffer;
  try {
    buf = await fs.readFile(path.join(deviceDir(bdf, roots), 'config'));
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') throw new EnvironmentError(`no PCI device ${bdf} on this host`, 'check the address with lspci -D');
    throw e;
  }
  if (buf.length < 256) throw new EnvironmentError(`only ${buf.length} bytes of ${bdf}'s config space are readable`, 'reading capabilities from sysfs needs root: run as root');
  return buf;
}

/** The host IRQs allocated to the device's MSI/MSI-X vectors, with their kernel descriptions. */
export async function readMsiIrqs(bdf: string, roots: HostRoots = REAL_HOST): Promise<HostIrq[]> {
  const dir = path.join(deviceDir(bdf, roots), 'msi_irqs');
  const names = await fs.readdir(dir).catch((e: NodeJS.ErrnoException) => {
    if (e.code === 'ENOENT') return [] as string[]; // the kernel removes the folder when no vector is allocated
    throw e;
  });
  const irqs: HostIrq[] = [];
  for (const n of names.filter((x) => /^\d+$/.test(x)).sort((a, b) => Number(a) - Number(b))) {
    const irq = Number(n);
    const mode = (await fs.readFile(path.join(dir, n), 'utf8')).trim();
    irqs.push({ irq, mode, ...(await kernelIrq(irq, roots)) });
  }
  return irqs;
}

async function kernelIrq(irq: number, roots: HostRoots): Promise<Partial<HostIrq>> {
  const dir = path.join(roots.sys, 'kernel/irq', String(irq));
  const read = (f: string) => fs.readFile(path.join(dir, f), 'utf8').then((s) => s.trim(), () => undefined);
  const [chip, hwirq, actions, perCpu] = await Promise.all([read('chip_name'), read('hwirq'), read('actions'), read('per_cpu_count')]);
  return {
    ...(chip ? { chip } : {}),
    ...(hwirq && /^\d+$/.test(hwirq) ? { hwirq: Number(hwirq) } : {}),
    ...(actions !== undefined ? { actions: actions ? actions.split(',') : [] } : {}),
    ...(perCpu ? { perCpu: perCpu.split(',').map(Number) } : {}),
  };
}
