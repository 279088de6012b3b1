/**
 * A device under test assembled on one QEMU: the machine configuration for a
 * plugin (or a passed-through host device), then the PCI function with its
 * BARs placed (or taken over after a migration), its MSI-X and MSI drivers,
 * the mailbox and the plugin's driver, each held to the plugin's facts.
 */
import type { DeviceDriver, DeviceHandle, DevicePlugin } from '../devices/device-plugin.js';
import { deviceArgs } from '../devices/device-line.js';
import { MsiDriver } from '../irq/msi.js';
import { MsixDriver } from '../irq/msix.js';
import { Mailbox } from '../irq/mailbox.js';
import { COUNTER_DEVICE, MessageCounter } from '../irq/message-counter.js';
import { parseBdf } from '../pci/bdf.js';
import { Window } from '../pci/bars.js';
import { GuestRam } from '../guest-ram.js';
import { configAccessFor } from '../pci/machines/index.js';
import { PciFunction } from '../pci/pci-function.js';
import type { QemuBuild } from '../builds/qemu-build.js';
import type { Machine, MachineConfig } from '../qemu/machine.js';

export interface DutOptions {
  readonly traces?: readonly string[];
  readonly guestErrors?: boolean;
  readonly machine?: MachineConfig['machine'];
  readonly memoryMiB?: number;
  /** Pass this host device through with vfio-pci instead of emulating the plugin's device. */
  readonly hostDevice?: { readonly bdf: string; readonly props?: string };
  /** How long a wait for a delivery lasts (suite-wide; default 5 s). */
  readonly deliveryTimeoutMs?: number;
  /** A versioned machine type both sides of a migration have (e.g. pc-q35-7.2). */
  readonly machineVersion?: string;
  /** Where migrate() goes by default (compare --migrate); else the same build. */
  readonly migrateTo?: QemuBuild;
  /** Message counters (pci-testdevs) beside the device, for cases that count messages exactly. */
  readonly counters?: number;
  /** Let virtual time run (dut.runClock), on every kind of build. */
  readonly runnableClock?: boolean;
}

export const DUT_ID = 'dut';
export const DUT_SLOT = '04.0';
const PASSTHROUGH_MEMORY_MIB = 32;
export const DELIVERY_TIMEOUT_MS = 5000;
/** The mailbox slot MSI messages go to: above every MSI-X vector a device here has. */
export const MSI_SLOT = 4096;
/** Guest RAM below this is left alone (real mode's first MiB); the mailbox and the plugins' memory come after. */
const RAM_START = 0x10_0000;
const MiB = 1024 * 1024;

/** vfio maps (pins) all guest RAM for DMA at start: the cases need only the first MiBs. */
const memoryMiB = (opts: DutOptions) => opts.memoryMiB ?? (opts.hostDevice ? PASSTHROUGH_MEMORY_MIB : DEFAULT_MEMORY_MIB);
const DEFAULT_MEMORY_MIB = 128;

/** What a Dut is made of on one QEMU; a migration replaces all of it at once. */
export interface Parts {
  readonly machine: Machine;
  readonly build: QemuBuild;
  readonly fn: PciFunction;
  readonly msix: MsixDriver;
  readonly msi: MsiDriver | undefined;
  readonly mailbox: Mailbox;
  readonly counters: readonly MessageCounter[];
  readonly driver: DeviceDriver;
}

/** The counters' slots, after the device's. */
const counterSlot = (i: number) => `${(5 + i).toString(16).padStart(2, '0')}.0`;

export function machineConfig(plugin: DevicePlugin, opts: DutOptions): MachineConfig {
  const host = opts.hostDevice;
  return {
    machine: opts.machine ?? 'q35',
    ...(opts.machineVersion ? { machineVersion: opts.machineVersion } : {}),
    memoryMiB: memoryMiB(opts),
    args: [
      ...(host ? ['-device', ['vfio-pci', `host=${host.bdf}`, `id=${DUT_ID}`, `addr=${DUT_SLOT}`, ...(host.props ? [host.props] : [])].join(',')] : deviceArgs(plugin, { id: DUT_ID, addr: DUT_SLOT })),
      ...Array.from({ length: opts.counters ?? 0 }, (_, i) => ['-device', `${COUNTER_DEVICE},addr=${counterSlot(i)}`]).flat(),
    ],
    traces: opts.traces ?? [],
    guestErrors: opts.guestErrors ?? false,
    ...(opts.runnableClock ? { runnableClock: true } : {}),
  };
}

/** The function, its drivers and the plugin's driver on `machine`; BARs placed afresh, or taken over after a migration. */
export async function assemble(machine: Machine, build: QemuBuild, plugin: DevicePlugin, opts: DutOptions, migratedFrom?: PciFunction): Promise<Parts> {
  const cfg = await configAccessFor[machine.machineType](machine.qtest);
  const fn = new PciFunction(machine.qtest, cfg, parseBdf(`00:${DUT_SLOT}`));
  if (!(await fn.ids())) throw new Error(`no PCI function at 00:${DUT_SLOT} after adding ${plugin.name}`);
  // One allocator of bus addresses for every function here: the device's BARs, then the counters'.
  const windows = { mmio: new Window('32-bit MMIO', 0xc0000000, 0xfec00000), io: new Window('I/O', 0xc000, 0x10000) };
  if (migratedFrom) fn.adoptBars(migratedFrom);
  else await fn.placeBars(windows);
  const msix = await MsixDriver.attach(fn);
  if (!msix) throw new Error(`${plugin.name} has no MSI-X capability`);
  // The table size drives the cases: hold the plugin to it. (Where the table lies may differ by release, nvme's moved
  // from BAR4 to BAR0 in 6.0; only the passed-through device's physical table BAR matters, and the vfio cases read it.)
  if (!plugin.contractOnly && msix.vectors !== plugin.msixVectors) throw new Error(`the ${plugin.name} plugin says its device has ${plugin.msixVectors} MSI-X vectors, the device has ${msix.vectors}`);
  const msi = await MsiDriver.attach(fn);
  const ram = new GuestRam(RAM_START, memoryMiB(opts) * MiB);
  const mailbox = new Mailbox(machine.qtest, ram.alloc(Mailbox.bytesFor(MSI_SLOT + 1), 4096, 'the mailbox'));
  const handle: DeviceHandle = { fn, qmp: machine.qmp, qemuId: DUT_ID, ram, ...(machine.canRunClock ? { runClock: (ns: number) => machine.runClock(ns) } : {}) };
  const counters: MessageCounter[] = [];
  for (let i = 0; i < (opts.counters ?? 0); i++) {
    const c = new PciFunction(machine.qtest, cfg, parseBdf(`00:${counterSlot(i)}`));
    if (migratedFrom) throw new Error('message counters do not follow a migration');
    await c.placeBars(windows);
    counters.push(await MessageCounter.attach(c));
  }
  return { machine, build, fn, msix, msi, mailbox, counters, driver: plugin.attach(handle) };
}
