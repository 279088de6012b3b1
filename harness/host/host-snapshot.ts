/**
 * A snapshot of the host's interrupt state for one device: what a case
 * compares with the guest's view.
 */
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { parseProcInterrupts, type InterruptLine } from './proc-interrupts.js';
import { physicalCapabilities, readConfig, readMsiIrqs, REAL_HOST, type HostIrq, type HostRoots, type PhysicalMsi, type PhysicalMsix } from './pci-sysfs.js';
import type { VfioAction } from './vfio-action.js';
import { charge } from '../time-ledger.js';

export interface HostSnapshot {
  readonly bdf: string;
  readonly kernel: string;
  readonly msix?: PhysicalMsix;
  readonly msi?: PhysicalMsi;
  readonly msiIrqs: readonly HostIrq[];
  /** /proc/interrupts rows that belong to the device: its MSI IRQs, its chip, or vfio lines naming it. */
  readonly lines: readonly InterruptLine[];
}

export function hostSnapshot(bdf: string, roots: HostRoots = REAL_HOST): Promise<HostSnapshot> {
  return charge('host-read', () => readSnapshot(bdf, roots));
}

async function readSnapshot(bdf: string, roots: HostRoots): Promise<HostSnapshot> {
  const [config, msiIrqs, interrupts] = await Promise.all([readConfig(bdf, roots), readMsiIrqs(bdf, roots), fs.readFile(path.join(roots.proc, 'interrupts'), 'utf8')]);
  const caps = await physicalCapabilities(config);
  const mine = new Set(msiIrqs.map((i) => i.irq));
  const lines = parseProcInterrupts(interrupts).filter((l) => (typeof l.irq === 'number' && mine.has(l.irq)) || l.chipBdf === bdf || l.vfio?.bdf === bdf);
  return { bdf, kernel: os.release(), ...(caps.msix ? { msix: caps.msix } : {}), ...(caps.msi ? { msi: caps.msi } : {}), msiIrqs, lines };
}

/** The device's vfio lines of one kind, by vector. */
export function vfioLines(s: HostSnapshot, kind: VfioAction['kind']): InterruptLine[] {
  return s.lines.filter((l) => l.vfio?.kind === kind).sort((a, b) => (a.vfio!.vector ?? 0) - (b.vfio!.vector ?? 0));
}
