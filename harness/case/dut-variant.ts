/**
 * The device under test's device with one property set otherwise, started
 * alone in a fresh QEMU of the same build: what QEMU made of it (the MSI-X
 * table it built, or its refusal, or how it died). For properties at their
 * edges, where a full device under test may not come up at all.
 */
import type { DevicePlugin } from '../devices/device-plugin.js';
import { deviceArgs } from '../devices/device-line.js';
import type { QemuBuild } from '../builds/qemu-build.js';
import { QemuStartError } from '../errors.js';
import { readMsixCapability } from '../irq/msix-capability.js';
import { parseBdf } from '../pci/bdf.js';
import { configAccessFor } from '../pci/machines/index.js';
import { PciFunction } from '../pci/pci-function.js';
import { Machine, type MachineType } from '../qemu/machine.js';
import { DUT_ID, DUT_SLOT } from './dut-assembly.js';

export type VariantOutcome =
  /** QEMU refused the device with an error, and exited cleanly: what it said. */
  | { readonly kind: 'refused'; readonly said: string }
  /** QEMU started: the table size it built (0: no MSI-X capability). */
  | { readonly kind: 'started'; readonly tableSize: number }
  /** QEMU died by a signal (an abort, an assertion): how, and its last words. */
  | { readonly kind: 'crashed'; readonly how: string };

/** `props` ("k=v,k2=v2") with `key` set to `value`, added where absent. */
export function withProperty(props: string | undefined, key: string, value: string): string {
  const kept = (props ? props.split(',') : []).filter((kv) => kv.split('=')[0] !== key);
  return [...kept, `${key}=${value}`].join(',');
}

export async function startVariant(build: QemuBuild, plugin: DevicePlugin, machine: MachineType, key: string, value: string): Promise<VariantOutcome> {
  const variant: DevicePlugin = { ...plugin, deviceProps: withProperty(plugin.deviceProps, key, value) };
  let m: Machine;
  try {
    m = await Machine.launch(build, { machine, args: deviceArgs(variant, { id: DUT_ID, addr: DUT_SLOT }) });
  } catch (e) {
    if (!(e instanceof QemuStartError)) throw e;
    if (/killed by SIG/.test(e.reason)) return { kind: 'crashed', how: `${e.reason}: ${e.said('last')}` };
    return { kind: 'refused', said: e.said('last') };
  }
  try {
    const fn = new PciFunction(m.qtest, await configAccessFor[machine](m.qtest), parseBdf(`00:${DUT_SLOT}`));
    if (!(await fn.ids())) throw new Error(`no PCI function at 00:${DUT_SLOT} after adding ${plugin.name} with ${key}=${value}`);
    const cap = await readMsixCapability(fn);
    return { kind: 'started', tableSize: cap?.tableSize ?? 0 };
  } finally {
    await m.shutdown();
  }
}
