/**
 * The device under test on a QEMU kept between cases (machine-pool.ts): the
 * device hot-plugged into the machine type's slot at the start, hot-unplugged
 * at the end. Hot-plug is a real path of its own, so the cases run on both
 * kinds of plug: cold-plugged where they start a QEMU of their own, hot
 * here. Only cases whose QEMU holds nothing but the device and its slot are
 * pooled (message counters come along: they are zeroed as they attach); the
 * rest (IOMMUs, SR-IOV, migration, a slot they drive themselves, machine
 * types without a slot here) start fresh.
 */
import type { DevicePlugin } from '../devices/device-plugin.js';
import { childValues, deviceValue } from '../devices/device-line.js';
import type { QemuBuild } from '../builds/qemu-build.js';
import { Machine } from '../qemu/machine.js';
import { hotplugSlotFor } from '../pci/machines/index.js';
import { charge } from '../time-ledger.js';
import { assemble, DUT_ID, machineConfig, MSI_SLOT, vfioDeviceValue, type DutOptions, type Parts } from './dut-assembly.js';
import { hotAdd, unplug } from './dut-hotplug.js';
import type { MachinePool } from './machine-pool.js';

/** Why a case's device cannot be on a kept QEMU, or undefined where it can. */
export function whyFresh(plugin: DevicePlugin, opts: DutOptions): string | undefined {
  if (!opts.hostDevice && !plugin.hotplugsAlike) return `the emulated ${plugin.name} is not known to be the same hot-plugged behind a root port`;
  if ((opts.machine ?? 'q35') !== 'q35') return 'its machine type hot-plugs through ACPI, which the guest side here does not reuse';
  if (opts.iommu) return 'an IOMMU';
  if (opts.sriov) return 'SR-IOV VFs';
  if (opts.migrateTo || opts.machineVersion) return 'a migration';
  if (opts.hotplugSlot) return 'it drives its slot itself';
  return undefined;
}

/** The device under test hot-plugged into a kept QEMU (or a new one, kept afterwards). */
export async function startPooled(pool: MachinePool, build: QemuBuild, plugin: DevicePlugin, opts: DutOptions, timeoutMs: number): Promise<{ parts: Parts; key: string }> {
  const slotted: DutOptions = { ...opts, hotplugSlot: true };
  const cfg = machineConfig(build, plugin, slotted, true);
  const key = JSON.stringify([build.binary, build.sha256, build.accel, cfg]);
  const kept = pool.take(key);
  const machine = kept ?? (await Machine.launch(build, cfg));
  kept?.beginCase();
  try {
    const at = { id: DUT_ID, ...hotplugSlotFor.q35.at };
    const lines = opts.hostDevice ? { device: vfioDeviceValue(opts.hostDevice, at), children: [] } : { device: deviceValue(plugin, at), children: childValues(plugin, at) };
    const parts = await assemble(machine, build, plugin, slotted, undefined, (slot) => charge('hotplug', () => hotAdd(machine, slot, lines, timeoutMs)));
    // The counting firmware's counts (under KVM) are below the RAM the cases use, which was zeroed at the last unplug.
    if (kept) await parts.mailbox.armAll(MSI_SLOT + 1);
    return { parts, key };
  } catch (e) {
    await machine.shutdown();
    throw e;
  }
}

/** Unplug the device and keep its QEMU for the next case; false (QEMU left to the caller to stop) where that did not go cleanly. */
export async function returnToPool(pool: MachinePool, key: string, parts: Parts, timeoutMs: number): Promise<boolean> {
  if (parts.machine.proc.exitStatus) return false;
  try {
    const { deletedEvent } = await charge('hotplug', () => unplug(parts, timeoutMs));
    if (!deletedEvent) return false;
    // What the case's drivers wrote to guest RAM (rings, completion queues, the mailbox) goes: the next case finds it zero, as in a new QEMU.
    if (parts.ram.used) await parts.machine.qtest.memset(parts.ram.start, parts.ram.used, 0);
  } catch {
    return false;
  }
  await pool.give(key, parts.machine);
  return true;
}
