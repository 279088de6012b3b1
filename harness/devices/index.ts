/** The device plugins by name: a new device is one file and one line here. */
import type { DevicePlugin } from './device-plugin.js';
import { EnvironmentError } from '../errors.js';
import { e1000e } from './e1000e.js';
import { igb } from './igb.js';
import { igbvf } from './igbvf.js';
import { nvme } from './nvme.js';
import { qemuXhci } from './qemu-xhci.js';
import { rocker } from './rocker.js';
import { virtioNetPci } from './virtio-net-pci.js';
import { virtioScsiPci } from './virtio-scsi-pci.js';
import { vmxnet3 } from './vmxnet3.js';

export const devicePlugins: readonly DevicePlugin[] = [e1000e, virtioNetPci, igb, nvme, igbvf, rocker, qemuXhci, virtioScsiPci, vmxnet3];

/** The plugins whose device QEMU can emulate on its own (every one but VFs): the emulated suite's default. */
export const emulatedDevicePlugins: readonly DevicePlugin[] = devicePlugins.filter((p) => !p.sriovPf);

/** The plugin that knows a device with these PCI ids (for passthrough). */
export function pluginForIds(vendor: number, device: number): DevicePlugin | undefined {
  return devicePlugins.find((p) => p.pciIds.some(([v, d]) => v === vendor && d === device));
}

/** The plugins the box can pass through: a device it models, or a VF made on one. */
export const boxDevicePlugins: readonly DevicePlugin[] = devicePlugins.filter((p) => p.box || p.sriovPf);

export function devicePlugin(name: string): DevicePlugin {
  const p = devicePlugins.find((d) => d.name === name);
  if (!p) throw new EnvironmentError(`no device plugin "${name}"`, `name one of ${devicePlugins.map((d) => d.name).join(', ')} (or --device all)`);
  return p;
}
