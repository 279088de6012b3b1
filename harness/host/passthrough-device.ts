/**
 * A host device named for passthrough: it must exist and be one a device
 * plugin knows; it is bound to vfio-pci (and put back later) when it is not
 * already. Its vfio MSI-X properties are read here, before any QEMU holds
 * its group.
 */
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { DevicePlugin } from '../devices/device-plugin.js';
import { pluginForIds } from '../devices/index.js';
import { EnvironmentError } from '../errors.js';
import { deviceDir } from './pci-sysfs.js';
import { readVfioMsixInfo } from './vfio-irq-info.js';
import { type BindOptions, VfioBinding } from './vfio-binding.js';

export interface PassthroughDevice {
  readonly bdf: string;
  readonly plugin: DevicePlugin;
  readonly kernel: string;
  readonly noresize: boolean;
  /** Release puts the device back on its own driver when the harness bound it. */
  readonly binding: VfioBinding;
}

export async function passthroughDevice(bdf: string, opts: BindOptions = {}): Promise<PassthroughDevice> {
  const dir = deviceDir(bdf);
  const read = (f: string) => fs.readFile(path.join(dir, f), 'utf8').then((s) => s.trim());
  let vendor: number, device: number;
  try {
    [vendor, device] = (await Promise.all([read('vendor'), read('device')])).map((x) => parseInt(x, 16)) as [number, number];
  } catch {
    throw new EnvironmentError(`no PCI device ${bdf} on this host`, 'check the address with lspci -D');
  }
  if (process.getuid?.() !== 0) throw new EnvironmentError('passing a device through needs root (vfio, sysfs config space)', 'run as root');
  const plugin = pluginForIds(vendor, device);
  if (!plugin) throw new EnvironmentError(`no device plugin knows ${bdf} (${vendor.toString(16)}:${device.toString(16)})`, 'add a plugin in harness/devices/ that can make it fire vector N');
  const binding = await VfioBinding.bind(bdf, opts);
  try {
    const info = await readVfioMsixInfo(bdf);
    return { bdf, plugin, kernel: os.release(), noresize: info.noresize, binding };
  } catch (e) {
    binding.restoreNow();
    throw e;
  }
}
