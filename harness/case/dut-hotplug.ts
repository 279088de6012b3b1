/**
 * Unplugging the device under test and plugging it back, with the guest's
 * side of each handshake played by its slot (pci/machines): QEMU is asked
 * (device_del, device_add), the guest answers as its driver would, and the
 * device's parts are attached again where the same device had its BARs.
 */
import type { DevicePlugin } from '../devices/device-plugin.js';
import { deviceValue } from '../devices/device-line.js';
import { HotplugStalledError, NotHotpluggableError, QmpCommandError } from '../errors.js';
import { attachDevice, DUT_ID, type Parts } from './dut-assembly.js';

/** The slot the device is in; a Dut started without one cannot hot-plug. */
function slotOf(parts: Parts): NonNullable<Parts['slot']> {
  if (!parts.slot) throw new Error('the device under test is in no slot that hot-plugs: start it with hotplugSlot');
  return parts.slot;
}

/** device_del, the guest's release, and QEMU's DEVICE_DELETED for the device: then the slot is empty. */
export async function unplug(parts: Parts, timeoutMs: number): Promise<void> {
  const { slot } = slotOf(parts);
  const qmp = parts.machine.qmp;
  const why = await slot.notRemovable();
  if (why) throw new NotHotpluggableError(why);
  const since = qmp.eventCursor();
  await qmp.execute('device_del', { id: DUT_ID }).catch((e: unknown) => {
    throw e instanceof QmpCommandError && /does not support hotplugging/.test(e.message) ? new NotHotpluggableError(e.message) : e;
  });
  await slot.release(timeoutMs);
  await qmp.waitEvent('DEVICE_DELETED', { since, match: (e) => (e.data as { device?: string } | undefined)?.device === DUT_ID, timeoutMs }).catch((e: unknown) => {
    throw new HotplugStalledError(`QEMU's DEVICE_DELETED for ${DUT_ID} after the guest released it`, timeoutMs, e instanceof Error ? e.message : String(e));
  });
  if (await parts.fn.ids()) throw new HotplugStalledError(`the function at ${parts.fn.name} gone after DEVICE_DELETED`, 0, 'it still answers config reads');
}

/** device_add of the same device in the same slot, the guest's acceptance, and its parts attached again (BARs where they were). */
export async function plugBack(parts: Parts, plugin: DevicePlugin, timeoutMs: number): Promise<Parts> {
  const { spec, slot } = slotOf(parts);
  const line = deviceValue(plugin, { id: DUT_ID, ...spec.at });
  // HMP's device_add parses the line as -device does; QMP's wants typed values, which a plugin's properties are not.
  const said = (await parts.machine.qmp.execute<string>('human-monitor-command', { 'command-line': `device_add ${line}` })).trim();
  if (said) throw new Error(`QEMU would not plug ${plugin.name} back (device_add ${line}): ${said}`);
  await slot.accept(timeoutMs);
  const device = await attachDevice(parts.machine, plugin, { cfg: parts.fn.cfg, bdf: parts.fn.bdf, ram: parts.ram, bars: { rewrite: parts.fn } });
  return { ...parts, ...device };
}
