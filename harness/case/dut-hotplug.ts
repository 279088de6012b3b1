/**
 * Unplugging the device under test and plugging it back, with the guest's
 * side of each handshake played by its slot (pci/machines): QEMU is asked
 * (device_del, device_add), the guest answers as its driver would, and the
 * device's parts are attached again where the same device had its BARs.
 */
import type { DevicePlugin } from '../devices/device-plugin.js';
import { childValues, deviceValue } from '../devices/device-line.js';
import { HotplugStalledError, NotHotpluggableError, ProtocolTimeoutError, QmpCommandError } from '../errors.js';
import { pollUntil } from '../poll.js';
import { attachDevice, DUT_ID, type Parts } from './dut-assembly.js';

const POLL_MS = 2;

/** The slot the device is in; a Dut started without one cannot hot-plug. */
function slotOf(parts: Parts): NonNullable<Parts['slot']> {
  if (!parts.slot) throw new Error('the device under test is in no slot that hot-plugs: start it with hotplugSlot');
  return parts.slot;
}

/** How long QEMU has to report DEVICE_DELETED once the device is gone: it sends it as the object goes, at once. */
const DELETED_EVENT_GRACE_MS = 1000;

/**
 * device_del, the guest's release, and the function gone from config space;
 * then whether QEMU reported DEVICE_DELETED for it (management waits for
 * that event before it reuses the device's id or backend).
 */
export async function unplug(parts: Parts, timeoutMs: number): Promise<{ readonly deletedEvent: boolean }> {
  const { slot } = slotOf(parts);
  const qmp = parts.machine.qmp;
  const why = await slot.notRemovable();
  if (why) throw new NotHotpluggableError(why);
  const since = qmp.eventCursor();
  await qmp.execute('device_del', { id: DUT_ID }).catch((e: unknown) => {
    throw e instanceof QmpCommandError && /does not support hotplugging/.test(e.message) ? new NotHotpluggableError(e.message) : e;
  });
  await slot.release(timeoutMs);
  await pollUntil(() => parts.fn.ids(), (ids) => ids === undefined, {
    timeoutMs,
    intervalMs: POLL_MS,
    timeout: (ids) => new HotplugStalledError(`the function at ${parts.fn.name} gone after the guest released it`, timeoutMs, `it still answers (vendor 0x${ids?.vendor.toString(16)})`),
  });
  const deleted = await qmp
    .waitEvent('DEVICE_DELETED', { since, match: (e) => (e.data as { device?: string } | undefined)?.device === DUT_ID, timeoutMs: DELETED_EVENT_GRACE_MS })
    .then(() => true)
    .catch((e: unknown) => {
      if (e instanceof ProtocolTimeoutError) return false;
      throw e;
    });
  return { deletedEvent: deleted };
}

/** device_add of the same device in the same slot, the guest's acceptance, and its parts attached again (BARs where they were). */
export async function plugBack(parts: Parts, plugin: DevicePlugin, timeoutMs: number): Promise<Parts> {
  const { spec, slot } = slotOf(parts);
  // HMP's device_add parses the line as -device does; QMP's wants typed values, which a plugin's properties are not.
  const add = async (line: string) => {
    const said = (await parts.machine.qmp.execute<string>('human-monitor-command', { 'command-line': `device_add ${line}` })).trim();
    if (said) throw new Error(`QEMU would not plug ${plugin.name} back (device_add ${line}): ${said}`);
  };
  await add(deviceValue(plugin, { id: DUT_ID, ...spec.at }));
  await slot.accept(timeoutMs);
  // Its children went with it on unplug; they come back on its bus.
  for (const child of childValues(plugin, { id: DUT_ID, ...spec.at })) await add(child);
  const device = await attachDevice(parts.machine, plugin, { cfg: parts.fn.cfg, bdf: parts.fn.bdf, ram: parts.ram, bars: { rewrite: parts.fn } });
  return { ...parts, ...device };
}
