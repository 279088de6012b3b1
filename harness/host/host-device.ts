/**
 * A host device named for passthrough (`--host-device BDF`): it must exist;
 * it is bound to vfio-pci (and put back later) when it is not already. Its
 * vfio MSI-X properties are read here, before any QEMU holds its group.
 */
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { EnvironmentError } from '../errors.js';
import { deviceDir, readConfig } from './pci-sysfs.js';
import { readVfioMsixInfo } from './vfio-irq-info.js';
import { type BindOptions, VfioBinding } from './vfio-binding.js';

const INTERRUPT_PIN = 0x3d;

export interface PciIds {
  readonly vendor: number;
  readonly device: number;
}

export interface HostDevice extends PciIds {
  readonly bdf: string;
  readonly kernel: string;
  /** VFIO_IRQ_INFO_NORESIZE for MSI-X (false: vectors can be added one at a time). */
  readonly noresize: boolean;
  /** Whether the function has a legacy interrupt pin (an SR-IOV VF has none). */
  readonly intx: boolean;
  /** Release puts the device back on its own driver when the harness bound it. */
  readonly binding: VfioBinding;
}

/** The device's PCI vendor and device ids, from sysfs; a clear error when there is no such device. */
export async function hostDeviceIds(bdf: string): Promise<PciIds> {
  const read = (f: string) => fs.readFile(path.join(deviceDir(bdf), f), 'utf8').then((s) => parseInt(s.trim(), 16));
  try {
    const [vendor, device] = await Promise.all([read('vendor'), read('device')]);
    return { vendor, device };
  } catch {
    throw new EnvironmentError(`no PCI device ${bdf} on this host`, 'check the address with lspci -D');
  }
}

/** Open the device for passthrough: bind it to vfio-pci if needed and read its vfio MSI-X properties (`ids` when the caller has read them). */
export async function openHostDevice(bdf: string, opts: BindOptions = {}, ids?: PciIds): Promise<HostDevice> {
  ids ??= await hostDeviceIds(bdf);
  if (process.getuid?.() !== 0) throw new EnvironmentError('passing a device through needs root (vfio, sysfs config space)', 'run as root');
  const binding = await VfioBinding.bind(bdf, opts);
  try {
    const info = await readVfioMsixInfo(bdf);
    const intx = (await readConfig(bdf))[INTERRUPT_PIN]! !== 0;
    return { bdf, ...ids, kernel: os.release(), noresize: info.noresize, intx, binding };
  } catch (e) {
    binding.restoreNow();
    throw e;
  }
}
