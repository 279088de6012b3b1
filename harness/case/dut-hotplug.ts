/**
 * Unplugging the device under test and plugging it back, with the guest's
 * side of each handshake played by its slot (pci/machines): QEMU is asked
 * (device_del, device_add), the guest answers as its driver would, and the
 * device's parts are attached again where the same device had its BARs.
 */
import type { DevicePlugin } from '../devices/device-plugin.js';
import { childValues, deviceValue } from '../devices/device-line.js';
import { HotAddRefusedError, HotplugStalledError, NotHotpluggableError, ProtocolTimeoutError, QmpCommandError } from '../errors.js';
import type { HotplugSlot } from '../pci/hotplug-slot.js';
import { pollUntil } from '../poll.js';
import type { Machine } from '../qemu/machine.js';
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

/**
 * device_add of a device (then its children) into an empty slot, with the
 * guest's acceptance between them. HMP's device_add parses a line as -device
 * does (QMP's wants typed values, which a plugin's properties are not). What
 * HMP prints may be a note on success (vfio's on dma-buf, on a device without
 * reset), so whether the device is there is asked of QOM; a child, which has
 * no id to ask for, is refused where HMP says Error.
 */
export async function hotAdd(machine: Machine, slot: HotplugSlot, lines: { readonly device: string; readonly children: readonly string[] }, timeoutMs: number): Promise<void> {
  const add = (line: string) => machine.qmp.execute<string>('human-monitor-command', { 'command-line': `device_add ${line}` }).then((said) => said.trim());
  const said = await add(lines.device);
  const there = await machine.qmp.execute<{ name: string }[]>('qom-list', { path: '/machine/peripheral' });
  if (!there.some((c) => c.name === DUT_ID)) throw new HotAddRefusedError(lines.device, said);
  await slot.accept(timeoutMs);
  for (const child of lines.children) {
    const note = await add(child);
    if (/^Error/m.test(note)) throw new HotAddRefusedError(child, note);
  }
}

/** device_add of the same device in the same slot, the guest's acceptance, and its parts attached again (BARs where they were). */
export async function plugBack(parts: Parts, plugin: DevicePlugin, timeoutMs: number): Promise<Parts> {
  const { spec, slot } = slotOf(parts);
  const at = { id: DUT_ID, ...spec.at };
  // Its children went with it on unplug; they come back on its bus.
  await hotAdd(parts.machine, slot, { device: deviceValue(plugin, at), children: childValues(plugin, at) }, timeoutMs);
  const device = await attachDevice(parts.machine, plugin, { cfg: parts.fn.cfg, bdf: parts.fn.bdf, ram: parts.ram, bars: { rewrite: parts.fn } });
  return { ...parts, ...device };
}
