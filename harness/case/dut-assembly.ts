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
import { RamMailbox, type Mailbox } from '../irq/mailbox.js';
import { ApicMailbox } from '../irq/apic-mailbox.js';
import { COUNTS_AT } from '../qemu/interrupt-counting-firmware.js';
import { isKvm } from '../qemu/launch.js';
import { COUNTER_DEVICE, MessageCounter } from '../irq/message-counter.js';
import { parseBdf, type Bdf } from '../pci/bdf.js';
import type { ConfigAccess } from '../pci/config-access.js';
import type { HotplugSlot, HotplugSlotSpec } from '../pci/hotplug-slot.js';
import { Window } from '../pci/bars.js';
import { GuestRam } from '../guest-ram.js';
import { IntelVtd } from '../iommu/intel-vtd.js';
import { AmdVi } from '../iommu/amd-vi.js';
import { configAccessFor, hotplugSlotFor } from '../pci/machines/index.js';
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
  /** Put the device in the machine type's slot that hot-plugs (pci/machines: behind a root port on q35, ACPI on pc), for unplug, plug and bus resets. */
  readonly hotplugSlot?: boolean;
  /** An IOMMU in front of the device, with interrupt remapping (dut.vtd): messages then end at the local APIC, counted from QEMU's apic_deliver_irq trace. */
  readonly iommu?: IommuKind;
  /** Start the device as an SR-IOV PF with VFs (the plugin's sriov facts), for dut.sriov(). */
  readonly sriov?: boolean;
}

export const DUT_ID = 'dut';
/** QEMU's trace of a message the local APIC takes (after remapping): one per message, with its vector. */
export const APIC_DELIVERY_TRACE = 'apic_deliver_irq';
export const DUT_SLOT = '04.0';
const PASSTHROUGH_MEMORY_MIB = 32;
/** The IOMMUs with interrupt remapping the harness drives as a guest's driver (harness/iommu). */
export type IommuKind = 'intel-iommu' | 'amd-iommu';
/** AMD-Vi's device table: requester ids up to bus 3. */
const AMDVI_DEVICE_TABLE_BYTES = 0x8000;
/** The interrupt remapping table's entries: room for a handle per vector of the largest table here, and more. */
const VTD_TABLE_ENTRIES = 4096;
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
  /** Guest RAM the plugin's driver takes its memory from (a re-plugged device's driver too). */
  readonly ram: GuestRam;
  /** The IOMMU's interrupt remapping, where the device is behind one (DutOptions.iommu). */
  readonly vtd?: IntelVtd;
  readonly amdVi?: AmdVi;
  /** Where VF BARs below 4 GiB go: the window the device's own BARs came from (its slot's, where it has one). */
  readonly vfWindow: Window;
  /** The slot that hot-plugs, where the device is in one (DutOptions.hotplugSlot). */
  readonly slot?: { readonly spec: HotplugSlotSpec; readonly slot: HotplugSlot };
}

/** The counters' slots, after the device's. */
const counterSlot = (i: number) => `${(5 + i).toString(16).padStart(2, '0')}.0`;

/** Where the device goes: its slot that hot-plugs, or DUT_SLOT on the root bus. */
const placeOf = (opts: DutOptions) => (opts.hotplugSlot ? hotplugSlotFor[opts.machine ?? 'q35'] : undefined);

/** The passed-through device's -device value, in its place. */
export function vfioDeviceValue(host: NonNullable<DutOptions['hostDevice']>, at: { readonly bus?: string; readonly addr: string }): string {
  return ['vfio-pci', `host=${host.bdf}`, `id=${DUT_ID}`, ...(at.bus ? [`bus=${at.bus}`] : []), `addr=${at.addr}`, ...(host.props ? [host.props] : [])].join(',');
}

/** QEMU's configuration for the device under test; `withoutDevice`: its slot left empty, for a device plugged in later (machine-pool.ts). */
export function machineConfig(build: QemuBuild, plugin: DevicePlugin, opts: DutOptions, withoutDevice = false): MachineConfig {
  const host = opts.hostDevice;
  const slot = placeOf(opts);
  const at = slot?.at ?? { addr: DUT_SLOT };
  const device = withoutDevice ? [] : host ? ['-device', vfioDeviceValue(host, at)] : deviceArgs(plugin, { id: DUT_ID, ...at, ...(opts.sriov ? { sriov: true } : {}) });
  return {
    machine: opts.machine ?? 'q35',
    ...(opts.machineVersion ? { machineVersion: opts.machineVersion } : {}),
    memoryMiB: memoryMiB(opts),
    args: [
      // The IOMMU first: QEMU puts the PCI devices created after it behind it.
      ...(opts.iommu ? ['-device', `${opts.iommu},intremap=on`] : []),
      ...(slot?.args(build) ?? []),
      ...device,
      ...Array.from({ length: opts.counters ?? 0 }, (_, i) => ['-device', `${COUNTER_DEVICE},addr=${counterSlot(i)}`]).flat(),
    ],
    traces: [...(opts.traces ?? []), ...(opts.iommu ? [APIC_DELIVERY_TRACE] : [])],
    guestErrors: opts.guestErrors ?? false,
    ...(opts.runnableClock ? { runnableClock: true } : {}),
  };
}

/** The function, its drivers and the plugin's driver on `machine`; BARs placed afresh, or taken over after a migration. */
export async function assemble(machine: Machine, build: QemuBuild, plugin: DevicePlugin, opts: DutOptions, migratedFrom?: PciFunction, plugIn?: (slot: HotplugSlot) => Promise<void>): Promise<Parts> {
  const cfg = await configAccessFor[machine.machineType](machine.qtest);
  // One allocator of bus addresses for every function here: the device's BARs (in its slot's windows where it has a slot), then the counters'.
  const windows = { mmio: new Window('32-bit MMIO', 0xc0000000, 0xfec00000), io: new Window('I/O', 0xc000, 0x10000) };
  const spec = placeOf(opts);
  let slot: Parts['slot'];
  let own: Awaited<ReturnType<HotplugSlot['setUp']>>;
  if (spec) {
    if (migratedFrom) throw new Error('a device in a slot that hot-plugs does not migrate here');
    const s = spec.open(machine.qtest, cfg);
    own = await s.setUp();
    // A QEMU kept between cases: its slot is empty until the device is plugged in, once the slot is up.
    if (plugIn) await plugIn(s);
    // What the slot's bridge forwards is the slot's alone: the counters go above it.
    if (own) for (const k of ['mmio', 'io'] as const) windows[k] = new Window(windows[k].name, own[k].end, windows[k].end);
    slot = { spec, slot: s };
  }
  const ram = new GuestRam(RAM_START, memoryMiB(opts) * MiB);
  // Under KVM a message that takes an irqfd never reaches memory: the vCPU counts what its local APIC takes instead.
  const mailbox: Mailbox = isKvm(build.accel) ? new ApicMailbox(machine.qtest, COUNTS_AT, MSI_SLOT) : new RamMailbox(machine.qtest, ram.alloc(RamMailbox.bytesFor(MSI_SLOT + 1), 4096, 'the mailbox'));
  const device = await attachDevice(machine, plugin, { cfg, bdf: spec?.bdf ?? parseBdf(`00:${DUT_SLOT}`), ram, bars: migratedFrom ? { adopt: migratedFrom } : { place: own ?? windows } });
  const counters: MessageCounter[] = [];
  for (let i = 0; i < (opts.counters ?? 0); i++) {
    const c = new PciFunction(machine.qtest, cfg, parseBdf(`00:${counterSlot(i)}`));
    if (migratedFrom) throw new Error('message counters do not follow a migration');
    await c.placeBars(windows);
    counters.push(await MessageCounter.attach(c));
  }
  const amdVi = opts.iommu === 'amd-iommu' ? new AmdVi(machine.qtest, { deviceTable: ram.alloc(AMDVI_DEVICE_TABLE_BYTES, 4096, 'the AMD-Vi device table'), deviceTableBytes: AMDVI_DEVICE_TABLE_BYTES, table: ram.alloc(4096, 4096, 'the AMD-Vi interrupt table') }) : undefined;
  const vtd = opts.iommu === 'intel-iommu' ? new IntelVtd(machine.qtest, { table: ram.alloc(VTD_TABLE_ENTRIES * 16, 4096, 'the interrupt remapping table'), entries: VTD_TABLE_ENTRIES, queue: ram.alloc(4096, 4096, 'the invalidation queue'), status: ram.alloc(16, 16, 'the invalidation wait status') }) : undefined;
  return { machine, build, ...device, mailbox, counters, ram, vfWindow: own?.mmio ?? windows.mmio, ...(slot ? { slot } : {}), ...(vtd ? { vtd } : {}), ...(amdVi ? { amdVi } : {}) };
}

/**
 * Where a function's BARs come from: placed afresh in windows, taken over
 * as they are after a migration, or written back where the same device had
 * them before it was unplugged.
 */
export type BarSource = { readonly place: { readonly mmio: Window; readonly io: Window } } | { readonly adopt: PciFunction } | { readonly rewrite: PciFunction };

/**
 * The device's function at `bdf` with its BARs, its MSI-X and MSI drivers
 * and the plugin's driver: at start, after a migration, and again when the
 * device is plugged back.
 */
export async function attachDevice(
  machine: Machine,
  plugin: DevicePlugin,
  at: { readonly cfg: ConfigAccess; readonly bdf: Bdf; readonly ram: GuestRam; readonly bars: BarSource },
): Promise<Pick<Parts, 'fn' | 'msix' | 'msi' | 'driver'>> {
  const fn = new PciFunction(machine.qtest, at.cfg, at.bdf);
  if (!(await fn.ids())) throw new Error(`no PCI function at ${fn.name} after adding ${plugin.name}`);
  if ('place' in at.bars) await fn.placeBars(at.bars.place);
  else {
    fn.adoptBars('adopt' in at.bars ? at.bars.adopt : at.bars.rewrite);
    if ('rewrite' in at.bars) await fn.restoreBars();
  }
  const msix = await MsixDriver.attach(fn);
  if (!msix) throw new Error(`${plugin.name} has no MSI-X capability`);
  // The table size drives the cases: hold the plugin to it. (Where the table lies may differ by release, nvme's moved
  // from BAR4 to BAR0 in 6.0; only the passed-through device's physical table BAR matters, and the vfio cases read it.)
  if (!plugin.contractOnly && msix.vectors !== plugin.msixVectors) throw new Error(`the ${plugin.name} plugin says its device has ${plugin.msixVectors} MSI-X vectors, the device has ${msix.vectors}`);
  const msi = await MsiDriver.attach(fn);
  const handle: DeviceHandle = { fn, qmp: machine.qmp, qemuId: DUT_ID, ram: at.ram, ...(machine.canRunClock ? { runClock: (ns: number) => machine.runClock(ns) } : {}) };
  return { fn, msix, msi, driver: plugin.attach(handle) };
}
