/**
 * Whether the host lets vectors be added one at a time (VFIO_IRQ_INFO_NORESIZE
 * clear: "dyn") is read from vfio itself, never inferred from the kernel
 * version. Node cannot issue ioctls, so a small Python helper does.
 */
import { execa } from 'execa';
import { EnvironmentError } from '../errors.js';
import { HELPERS } from './helpers.js';

export interface VfioMsixInfo {
  readonly count: number;
  readonly noresize: boolean;
}

/** Read it before QEMU opens the device: vfio lets one user hold a group. */
export async function readVfioMsixInfo(bdf: string): Promise<VfioMsixInfo> {
  const r = await execa('python3', [HELPERS.vfioIrqInfo, bdf], { reject: false, timeout: 10_000 });
  if (r.exitCode !== 0) throw new EnvironmentError(`cannot read vfio MSI-X info of ${bdf}: ${(r.stderr || r.stdout).trim().split('\n').at(-1)}`, `bind ${bdf} to vfio-pci and make sure no other process (QEMU) holds its IOMMU group`);
  const j = JSON.parse(r.stdout) as { count: number; noresize: boolean };
  return { count: j.count, noresize: j.noresize };
}
