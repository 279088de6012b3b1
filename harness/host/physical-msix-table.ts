/**
 * The physical MSI-X table as the host kernel programmed it, read straight
 * from the device's BAR, so a case can show that what the guest wrote never
 * reached it (vfio traps the table and keeps the host's values there).
 */
import { execa } from 'execa';
import { EnvironmentError } from '../errors.js';
import { HELPERS } from './helpers.js';
import { charge } from '../time-ledger.js';
import type { PhysicalMsix } from './pci-sysfs.js';

export interface PhysicalEntry {
  readonly address: bigint;
  readonly data: number;
  readonly masked: boolean;
}

const ENTRY_BYTES = 16;

export async function readPhysicalTable(bdf: string, msix: PhysicalMsix, first = 0, count = msix.tableSize): Promise<PhysicalEntry[]> {
  if (first < 0 || count < 1 || first + count > msix.tableSize) throw new RangeError(`entries ${first}..${first + count - 1} are outside the table of ${msix.tableSize}`);
  const offset = msix.tableOffset + first * ENTRY_BYTES;
  const r = await charge('host-read', () => execa('python3', [HELPERS.readBar, bdf, String(msix.tableBir), String(offset), String(count * ENTRY_BYTES)], { reject: false, timeout: 10_000 }));
  if (r.exitCode !== 0) throw new EnvironmentError(`cannot read the physical MSI-X table of ${bdf}: ${(r.stderr || r.stdout).trim().split('\n').at(-1)}`, 'run as root; kernels built with CONFIG_IO_STRICT_DEVMEM (Debian\'s) refuse to map a BAR that a driver (vfio) holds unless booted with iomem=relaxed (the box is), and lockdown refuses it always');
  const d = r.stdout.trim().split('\n').map((h) => parseInt(h, 16));
  return Array.from({ length: count }, (_, i) => ({
    address: (BigInt(d[i * 4 + 1]!) << 32n) | BigInt(d[i * 4]!),
    data: d[i * 4 + 2]!,
    masked: !!(d[i * 4 + 3]! & 1),
  }));
}
