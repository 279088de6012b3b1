/**
 * A plugin's `-device` value, built in one place for every QEMU that models
 * the device: the QEMU under test (with its id and slot) and the box's outer
 * QEMU (at the box device's slot).
 */
import type { DevicePlugin } from './device-plugin.js';

/** Where the device goes and how: its id, bus and slot; with sriov, as an SR-IOV PF with VFs (the plugin's sriov facts). */
export interface DevicePlace {
  readonly id?: string;
  readonly bus?: string;
  readonly addr?: string;
  readonly sriov?: boolean;
}

/** Without addr, the caller places it (the box puts its device in its own slot). */
export function deviceValue(plugin: DevicePlugin, at: DevicePlace = {}): string {
  if (plugin.sriovPf) throw new Error(`${plugin.name} is an SR-IOV VF: it exists only through its PF (${plugin.sriovPf}); pass it through (the box makes one with --box-device ${plugin.name})`);
  return [plugin.driver, ...(at.id ? [`id=${at.id}`] : []), ...(at.bus ? [`bus=${at.bus}`] : []), ...(at.addr ? [`addr=${at.addr}`] : []), ...(plugin.deviceProps ? [plugin.deviceProps] : []), ...(at.sriov && plugin.sriov?.props ? [plugin.sriov.props] : [])].join(',');
}

/** The -device values of the plugin's children, on the device's own bus (it needs an id for that). */
export function childValues(plugin: DevicePlugin, at: DevicePlace): string[] {
  if (!plugin.children?.length) return [];
  if (!at.id) throw new Error(`the ${plugin.name} device needs an id: its children (${plugin.children.join('; ')}) go on its bus`);
  return plugin.children.map((c) => `${c},bus=${at.id}.0`);
}

/** The arguments that add the device to a QEMU command line: companions first, the device, its children. */
export function deviceArgs(plugin: DevicePlugin, at: DevicePlace): string[] {
  if (at.sriov && !plugin.sriov) throw new Error(`the ${plugin.name} plugin gives its device no SR-IOV VFs`);
  const companions = at.sriov ? (plugin.sriov?.companions ?? []) : [];
  return [...companions, deviceValue(plugin, at), ...childValues(plugin, at)].flatMap((v) => ['-device', v]);
}
