/**
 * A host device opened for a run (`--host-device BDF`, or the box's device
 * inside the box), with the plugin that drives it: bound to vfio-pci only
 * once a plugin is known to drive it.
 */
import type { DevicePlugin } from '../devices/device-plugin.js';
import { pluginForIds } from '../devices/index.js';
import { EnvironmentError } from '../errors.js';
import { hostDeviceIds, openHostDevice, type HostDevice } from '../host/host-device.js';
import type { BindOptions } from '../host/vfio-binding.js';

/** A host device opened for a run, with the plugin that drives it. */
export interface HostDeviceUnderTest {
  readonly host: HostDevice;
  readonly plugin: DevicePlugin;
}

/**
 * Open `--host-device BDF`: a plugin must know it, checked before anything is
 * bound. `given` is the plugin to drive it with (the run in the box hands its
 * own, which may come from outside the harness); it must know the device too.
 */
export async function openHostDeviceUnderTest(bdf: string, opts: BindOptions = {}, given?: DevicePlugin): Promise<HostDeviceUnderTest> {
  const ids = await hostDeviceIds(bdf);
  const knows = (p: DevicePlugin) => p.pciIds.some(([v, d]) => v === ids.vendor && d === ids.device);
  const plugin = given ?? pluginForIds(ids.vendor, ids.device);
  const idText = `${ids.vendor.toString(16)}:${ids.device.toString(16)}`;
  if (!plugin) throw new EnvironmentError(`no device plugin knows ${bdf} (${idText})`, 'add a plugin in harness/devices/ that can make it fire vector N');
  if (!knows(plugin)) throw new EnvironmentError(`the ${plugin.name} plugin does not know ${bdf} (${idText})`, `use a plugin whose pciIds include ${idText}`);
  return { host: await openHostDevice(bdf, opts, ids), plugin };
}

/** The progress line that says which host device a run uses, and how its MSI-X grows. */
export function hostDeviceLine(dut: HostDeviceUnderTest): string {
  return `host device ${dut.host.bdf}: ${dut.plugin.name} on vfio-pci, kernel ${dut.host.kernel}, MSI-X ${dut.host.noresize ? 'noresize' : 'dyn (vectors added one at a time)'}`;
}
