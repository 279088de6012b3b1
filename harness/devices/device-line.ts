/**
 * A plugin's `-device` value, built in one place for every QEMU that models
 * the device: the QEMU under test (with its id and slot) and the box's outer
 * QEMU (at the box device's slot).
 */
import type { DevicePlugin } from './device-plugin.js';

/** Without addr, the caller places it (the box puts its device in its own slot). */
export function deviceValue(plugin: DevicePlugin, at: { readonly id?: string; readonly bus?: string; readonly addr?: string } = {}): string {
  if (plugin.sriovPf) throw new Error(`${plugin.name} is an SR-IOV VF: it exists only through its PF (${plugin.sriovPf}); pass it through (the box makes one with --box-device ${plugin.name})`);
  return [plugin.driver, ...(at.id ? [`id=${at.id}`] : []), ...(at.bus ? [`bus=${at.bus}`] : []), ...(at.addr ? [`addr=${at.addr}`] : []), ...(plugin.deviceProps ? [plugin.deviceProps] : [])].join(',');
}

/** The arguments that add the device to a QEMU command line. */
export function deviceArgs(plugin: DevicePlugin, at: { readonly id?: string; readonly bus?: string; readonly addr?: string }): string[] {
  return ['-device', deviceValue(plugin, at)];
}
