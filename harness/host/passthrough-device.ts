/**
 * A host device named for passthrough: it must exist, be bound to vfio-pci,
 * and be one a device plugin knows. Its vfio MSI-X properties are read here,
 * before any QEMU holds its group.
 */
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { DevicePlugin } from '../devices/device-plugin.js';
import { pluginForIds } from '../devices/index.js';
import { EnvironmentError } from '../qemu/errors.js';
import { deviceDir } from './pci-sysfs.js';
import { readVfioMsixInfo } from './vfio-irq-info.js';

export interface PassthroughDevice {
  readonly bdf: string;
  readonly plugin: DevicePlugin;
  readonly kernel: string;
  readonly noresize: boolean;
}

export async function passthroughDevice(bdf: string): Promise<PassthroughDevice> {
  const dir = deviceDir(bdf);
  const read = (f: string) => fs.readFile(path.join(dir, f), 'utf8').then((s) => s.trim());
  let vendor: number, device: number;
  try {
    [vendor, device] = (await Promise.all([read('vendor'), read('device')])).map((x) => parseInt(x, 16)) as [number, number];
  } catch {
    throw new EnvironmentError(`no PCI device ${bdf} on this host`, 'check the address with lspci -D');
  }
  if (process.getuid?.() !== 0) throw new EnvironmentError('passing a device through needs root (vfio, sysfs config space)', 'run as root');
  const driver = await fs.readlink(path.join(dir, 'driver')).then((l) => path.basename(l), () => 'none');
  if (driver !== 'vfio-pci') {
    throw new EnvironmentError(`${bdf} is bound to ${driver}, not vfio-pci`, `bind it first: echo vfio-pci > ${dir}/driver_override; echo ${bdf} > /sys/bus/pci/drivers_probe (after unbinding it from ${driver}), or run the vfio suite in the box (no --host-device)`);
  }
  const plugin = pluginForIds(vendor, device);
  if (!plugin) throw new EnvironmentError(`no device plugin knows ${bdf} (${vendor.toString(16)}:${device.toString(16)})`, 'add a plugin in harness/devices/ that can make it fire vector N');
  const info = await readVfioMsixInfo(bdf);
  return { bdf, plugin, kernel: os.release(), noresize: info.noresize };
}
