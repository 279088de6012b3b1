/**
 * The device under test, assembled: a fresh QEMU with one device, the PCI
 * function with its BARs placed, the MSI-X (and MSI) drivers, a delivery
 * mailbox, and the device plugin's driver bound to it. Cases get one of
 * these and need nothing below it: what they do to QEMU (kill it, read its
 * stderr and traces, start the next one) is here too.
 */
import type { BeyondTableAnswer, DeviceDriver, DevicePlugin } from '../devices/device-plugin.js';
import type { MsiDriver } from '../irq/msi.js';
import type { MsixDriver } from '../irq/msix.js';
import type { Mailbox } from '../irq/mailbox.js';
import { ApicMailbox } from '../irq/apic-mailbox.js';
import { isKvm } from '../qemu/launch.js';
import type { Trait } from '../expect/traits.js';
import type { MessageCounter } from '../irq/message-counter.js';
import type { PciFunction } from '../pci/pci-function.js';
import type { QemuBuild } from '../builds/qemu-build.js';
import { describeExit, HarnessError, HotAddRefusedError, NotApplicable, type ErrorKind, type ExitStatus } from '../errors.js';
import { Machine, type TraceEvent } from '../qemu/machine.js';
import type { Entry } from '../timeline.js';
import { APIC_DELIVERY_TRACE, assemble, DELIVERY_TIMEOUT_MS, machineConfig, MSI_SLOT, type DutOptions, type Parts } from './dut-assembly.js';
import { migrateParts } from './dut-migration.js';
import { plugBack, unplug } from './dut-hotplug.js';
import { startVariant, type VariantOutcome } from './dut-variant.js';
import { configAccessFor } from '../pci/machines/index.js';
import { routingId } from '../pci/bdf.js';
import { SriovUnderTest } from './dut-sriov.js';
import { returnToPool, startPooled, whyFresh } from './dut-pooled.js';
import type { MachinePool } from './machine-pool.js';
import type { IntelVtd } from '../iommu/intel-vtd.js';
import type { AmdVi } from '../iommu/amd-vi.js';

export type { DutOptions };

export { MSI_SLOT };

/** Property names that size an MSI-X table: virtio's vectors, nvme's msix_qsize, xhci's interrupters and their kind. */
const MSIX_SIZING = /^(vectors|msix[-_](qsize|vectors|entries|size)|num[-_]vectors|msi[-_]vectors|intrs)$/;
/** Property names that size a device's queues (each wanting a vector): virtio's num-queues, nvme's I/O queue pairs, virtio-serial's ports. */
const QUEUE_SIZING = /^(num[-_]queues|queues|max[-_]ioqpairs|max[-_]queues|max[-_]ports)$/;

/** How long stderr gets to bring in trace lines QEMU wrote before its last answer. */
const TRACE_DRAIN_MS = 10;

/** Errors that may mean QEMU went away. */
const QEMU_GONE_KINDS: ReadonlySet<ErrorKind> = new Set(['qemu-exited', 'closed', 'timeout']);

/** Virtual time that runs out every moderation timer a plugin's device arms (e1000e's throttling: 128 us at its clamp; igb's: off at reset). */
const PAST_MODERATION_NS = 2_000_000;

export class Dut {
  /** Shutdowns of QEMUs this Dut migrated away from, still ending. */
  private readonly retired: Promise<unknown>[] = [];

  /** Set when the case did something to its QEMU beyond the device (reset, kill, migration, its own hot-plug) or failed: the QEMU is not kept. */
  private spent = false;

  private constructor(
    private parts: Parts,
    readonly plugin: DevicePlugin,
    private readonly opts: DutOptions,
    /** The pool its QEMU goes back to, and the key it is kept under. */
    private readonly kept?: { readonly pool: MachinePool; readonly key: string },
  ) {}

  /**
   * With a pool, a case whose QEMU holds nothing but its device gets a kept
   * QEMU with the device hot-plugged (dut-pooled.ts); every other case, or
   * with no pool, a QEMU of its own with the device cold-plugged.
   */
  static async start(build: QemuBuild, plugin: DevicePlugin, opts: DutOptions = {}, pool?: MachinePool): Promise<Dut> {
    if (pool && !whyFresh(plugin, opts) && !pool.refused(build, plugin)) {
      try {
        const { parts, key } = await startPooled(pool, build, plugin, opts, opts.deliveryTimeoutMs ?? DELIVERY_TIMEOUT_MS);
        return new Dut(parts, plugin, opts, { pool, key });
      } catch (e) {
        // A device this build will not hot-plug into the slot is cold-plugged, now and for the rest of the run. Anything
        // else (QEMU gone, a slot that never saw the device) is QEMU's or the harness's fault, and the case's to report.
        if (!(e instanceof HotAddRefusedError)) throw e;
        pool.refuse(build, plugin);
      }
    }
    const machine = await Machine.launch(build, machineConfig(build, plugin, opts));
    try {
      return new Dut(await assemble(machine, build, plugin, opts), plugin, opts);
    } catch (e) {
      await machine.shutdown();
      throw e;
    }
  }

  private get machine(): Machine {
    return this.parts.machine;
  }
  /** The build the device under test runs on now (after a migration: the destination's). */
  get build(): QemuBuild {
    return this.parts.build;
  }
  get fn(): PciFunction {
    return this.parts.fn;
  }
  get msix(): MsixDriver {
    return this.parts.msix;
  }
  get msi(): MsiDriver | undefined {
    return this.parts.msi;
  }
  get mailbox(): Mailbox {
    return this.parts.mailbox;
  }
  /** The mailbox at the local APIC, which counts messages exactly (a machine under KVM; the cases that need it run only there). */
  get apicMailbox(): ApicMailbox {
    const m = this.parts.mailbox;
    if (!(m instanceof ApicMailbox)) throw new Error(`the device under test observes deliveries in ${m.observes}, not at the local APIC: run it under KVM (--accel kvm)`);
    return m;
  }
  /**
   * A trait of the run, not the build: under KVM a vfio vector that is
   * unmasked is delivered through a KVM irqfd route, which QEMU makes from
   * the entry at unmask; elsewhere QEMU delivers it and reads the entry
   * for each message.
   */
  get irqfdRoutes(): Trait {
    return isKvm(this.build.accel) ? { value: true, source: `run: ${this.build.accel} (vfio vectors through KVM irqfd routes)` } : { value: false, source: `run: ${this.build.accel} (QEMU delivers every message)` };
  }
  private get driver(): DeviceDriver {
    return this.parts.driver;
  }

  /**
   * Migrate the running device under test into a fresh QEMU of `to` (default
   * the same build): from then on this Dut is the new one (dut-migration.ts).
   */
  async migrate(to: QemuBuild = this.opts.migrateTo ?? this.build): Promise<void> {
    this.spent = true;
    this.parts = await migrateParts(this.parts, this.plugin, this.opts, to, (shutdown) => this.retired.push(shutdown));
  }

  /** A new device under test like this one (same build, device and options), in a new QEMU. */
  restart(): Promise<Dut> {
    return Dut.start(this.build, this.plugin, this.opts);
  }

  /**
   * The device's properties that size its MSI-X table, as this build lists
   * them (QMP device-list-properties): integer properties named for vectors
   * or the MSI-X table.
   */
  msixSizingProperties(): Promise<string[]> {
    return this.integerProperties(MSIX_SIZING);
  }

  /** The device's properties that size its queues (integer properties named for queue counts, I/O queue pairs, ports). */
  queueSizingProperties(): Promise<string[]> {
    return this.integerProperties(QUEUE_SIZING);
  }

  private async integerProperties(named: RegExp): Promise<string[]> {
    const props = await this.machine.qmp.execute<{ name: string; type: string }[]>('device-list-properties', { typename: this.plugin.driver });
    return props.filter((p) => named.test(p.name) && /^u?int(8|16|32|64)$/.test(p.type)).map((p) => p.name).sort();
  }

  /** This device with property `key` set to `value`, alone in a fresh QEMU of this build (dut-variant.ts). */
  variantWith(key: string, value: number): Promise<VariantOutcome> {
    return startVariant(this.build, this.plugin, this.machine.machineType, key, String(value));
  }

  /** How the device's slot hot-plugs (DutOptions.hotplugSlot), for the evidence; undefined where it is in none. */
  get hotplugHow(): string | undefined {
    return this.parts.slot?.spec.how;
  }

  /** Unplug the device as a guest lets it go (dut-hotplug.ts): device_del, the slot's handshake, the function gone; and whether QEMU reported DEVICE_DELETED. */
  unplug(): Promise<{ readonly deletedEvent: boolean }> {
    this.spent = true;
    return this.recordWait('hot-unplug of the device under test', this.timeoutMs, () => unplug(this.parts, this.timeoutMs));
  }

  /** Plug the same device back into its slot and attach its drivers again (its BARs where they were). */
  async plugBack(): Promise<void> {
    this.spent = true;
    this.parts = await this.recordWait('hot-plug of the device under test', this.timeoutMs, () => plugBack(this.parts, this.plugin, this.timeoutMs));
  }

  /** Whether a bridge is above the device (its slot's root port), for Secondary Bus Reset. */
  get hasBridgeAbove(): boolean {
    return !!this.parts.slot?.slot.secondaryBusReset;
  }

  /** Secondary Bus Reset from the bridge above the device (its slot's root port); then the BARs go back, as a driver restores them. */
  async secondaryBusReset(): Promise<void> {
    this.spent = true;
    const reset = this.parts.slot?.slot.secondaryBusReset;
    if (!reset) throw new Error(`the device under test has no bridge above it (start it with hotplugSlot on a machine type whose slot is behind a root port)`);
    await reset();
    await this.settle();
    await this.fn.restoreBars();
  }

  /** Function Level Reset (the 100 ms a function has to complete it, waited); then the BARs go back. */
  async functionLevelReset(): Promise<void> {
    await this.fn.initiateFlr();
    await this.settle();
    await this.fn.restoreBars();
  }

  private get timeoutMs(): number {
    return this.opts.deliveryTimeoutMs ?? DELIVERY_TIMEOUT_MS;
  }

  /** The device plugin's reset. */
  resetDevice(): Promise<void> {
    return this.driver.reset();
  }

  /** Message counter i (DutOptions.counters): exact counts where the mailbox only sees that data arrived. */
  counter(i = 0): MessageCounter {
    const c = this.parts.counters[i];
    if (!c) throw new Error(`no message counter ${i}: start the device under test with counters: ${i + 1} or more`);
    return c;
  }

  /** Point vector v's entry (of this function's MSI-X, or a VF's) at counter i, zeroed (the entry's mask is left as it is). */
  async countOn(vector: number, i = 0, msix: MsixDriver = this.msix): Promise<void> {
    await msix.program(vector, this.counter(i).message(vector));
    await this.counter(i).zero();
  }

  /**
   * Make the device signal `vector` once, then let virtual time run past
   * every moderation timer (where this machine's clock can run), as it would
   * for a guest: what a timer sends late is part of the fire. The vector
   * range is checked here, once for every plugin.
   */
  async fire(vector: number): Promise<void> {
    // Against the table the device has (a census device's plugin carries one build's size).
    const n = this.msix.vectors;
    if (!Number.isInteger(vector) || vector < 0 || vector >= n) throw new RangeError(`${this.plugin.name} has vectors 0..${n - 1}, not ${vector}`);
    await this.driver.fire(vector);
    await this.letTimePass();
  }

  /** Let virtual time run past every moderation timer, where this machine's clock can run (else nothing). */
  async letTimePass(): Promise<void> {
    if (this.machine.canRunClock) await this.machine.runClock(PAST_MODERATION_NS);
  }

  /**
   * How many messages vector v sends for `action`, counted exactly: v's entry
   * points at counter i (zeroed; its mask bit left alone), then the action
   * runs (a fire lets the clock run past every timer). The entry stays on
   * the counter. Address and data are right or nothing counts: the mailbox
   * is for telling which.
   */
  messagesFor(v: number, action: () => Promise<void>, i = 0): Promise<number> {
    return this.messagesOn(this.msix, v, action, i);
  }

  /** messagesFor on another function's MSI-X (an SR-IOV VF's): its entry v points at counter i. */
  async messagesOn(msix: MsixDriver, v: number, action: () => Promise<void>, i = 0): Promise<number> {
    if (!this.machine.canRunClock) throw new Error(`counting messages needs a clock that runs, so that late messages are counted too: start the device under test with runnableClock`);
    await this.countOn(v, i, msix);
    await action();
    await this.settle();
    return this.counter(i).count();
  }

  /**
   * The PF's SR-IOV capability and its VFs (dut-sriov.ts); the device must
   * be started with DutOptions.sriov. Undefined where this build's device
   * has no SR-IOV capability.
   */
  async sriov(): Promise<SriovUnderTest | undefined> {
    if (!this.opts.sriov) throw new Error('start the device under test with sriov: true for its VFs');
    return SriovUnderTest.find({ fn: this.fn, plugin: this.plugin, driver: this.driver, qmp: this.machine.qmp, ram: this.parts.ram, vfWindow: this.parts.vfWindow, letTimePass: () => this.letTimePass() });
  }

  /** The plugin's holdCause (a cause held back by interrupt moderation); the plugin must have it. */
  holdCause(): Promise<void> {
    if (!this.driver.holdCause) throw new Error(`the ${this.plugin.name} plugin cannot hold a cause back`);
    return this.driver.holdCause();
  }

  /** Whether the plugin can make the device's work name a vector past its table. */
  get canNameVectorBeyondTable(): boolean {
    return !!this.driver.nameVectorBeyondTable;
  }

  /** The plugin's nameVectorBeyondTable: the device asked to use the vector one past its table, and its answer. */
  nameVectorBeyondTable(): Promise<BeyondTableAnswer> {
    if (!this.driver.nameVectorBeyondTable) throw new Error(`the ${this.plugin.name} plugin cannot name a vector through the device's own work`);
    return this.driver.nameVectorBeyondTable();
  }

  /** The function's routing (requester) ID, as an IOMMU sees it. */
  get requesterId(): number {
    return routingId(this.fn.bdf);
  }

  /** The IOMMU in front of the device (DutOptions.iommu), driven as a guest's IOMMU driver drives it. */
  get vtd(): IntelVtd {
    const v = this.parts.vtd;
    if (!v) throw new Error("the device under test is behind no IOMMU: start it with iommu: 'intel-iommu'");
    return v;
  }

  /** The AMD IOMMU in front of the device (DutOptions.iommu 'amd-iommu'). */
  get amdVi(): AmdVi {
    const a = this.parts.amdVi;
    if (!a) throw new Error("the device under test is behind no AMD IOMMU: start it with iommu: 'amd-iommu'");
    return a;
  }

  /**
   * Messages the local APICs took with `vector` so far (QEMU's
   * apic_deliver_irq trace; DutOptions.iommu collects it; under KVM the
   * case does not apply, see below). QEMU writes a
   * trace line before it answers the next command, so after settle() a
   * short wait for the line to be read is enough.
   */
  async apicMessages(vector: number): Promise<number> {
    // Under KVM the local APIC is the kernel's (no trace), and the vCPU's count cannot tell one message from two that
    // arrive before it takes the first (the IRR holds one per vector): seen as a false "fixed" on e1000e's EITR
    // re-send. A count that could pass where QEMU sends two is no count: the case does not apply there.
    if (this.parts.mailbox instanceof ApicMailbox) throw new NotApplicable('it counts every message a local APIC takes, which only QEMU\'s own APIC can show (its apic_deliver_irq trace): under KVM the APIC is the kernel\'s, and back-to-back messages on one vector merge before the vCPU counts them');
    return (await this.settledTraces(APIC_DELIVERY_TRACE)).filter((e) => new RegExp(`\\bvector ${vector}\\b`).test(e.args)).length;
  }

  /**
   * The trace events whose name starts with `prefix`, once QEMU has finished what came
   * before (settle) and stderr has had time to bring in the lines it wrote
   * before its last answer: for "no such event" to mean none.
   */
  async settledTraces(prefix = ''): Promise<readonly TraceEvent[]> {
    await this.settle();
    await new Promise((r) => setTimeout(r, TRACE_DRAIN_MS));
    return this.traces(prefix);
  }

  /** Whether the plugin can raise a cause with the device told to use no vector (virtio's VIRTIO_MSI_NO_VECTOR). */
  get canFireWithoutVector(): boolean {
    return !!this.driver.fireWithoutVector;
  }

  /** The plugin's fireWithoutVector, then virtual time past every timer; what was done, for the evidence. */
  async fireWithoutVector(): Promise<string> {
    if (!this.driver.fireWithoutVector) throw new Error(`the ${this.plugin.name} plugin cannot tell the device to use no vector`);
    const what = await this.driver.fireWithoutVector();
    await this.letTimePass();
    return what;
  }

  /** Whether the plugin can point a queue at another vector while it has work (virtio). */
  get canRetargetQueueWork(): boolean {
    return !!this.driver.retargetQueueWork;
  }

  /** The plugin's retargetQueueWork(from, to), then virtual time past every timer; what was done. */
  async retargetQueueWork(from: number, to: number): Promise<string> {
    if (!this.driver.retargetQueueWork) throw new Error(`the ${this.plugin.name} plugin cannot point a queue at another vector while it has work`);
    this.msix.checkVector(from);
    this.msix.checkVector(to);
    const what = await this.driver.retargetQueueWork(from, to);
    await this.letTimePass();
    return what;
  }

  /** Whether the plugin can fill a submission queue (nvme). */
  get canFillQueue(): boolean {
    return !!this.driver.fillQueue;
  }

  /** The plugin's fillQueue(v): a full queue completed and consumed; what, and how many completions. */
  async fillQueue(v: number): Promise<{ readonly what: string; readonly completions: number }> {
    if (!this.driver.fillQueue) throw new Error(`the ${this.plugin.name} plugin has no submission queue to fill`);
    this.msix.checkVector(v);
    return this.driver.fillQueue(v);
  }

  /** Whether the plugin can enable the device's own interrupt sources ahead of MSI-X (xhci's interrupters). */
  get canEnableSourcesBeforeMsix(): boolean {
    return !!this.driver.sourcesBeforeMsix;
  }

  /** The plugin's sourcesBeforeMsix: the device's interrupt sources enabled now and left so; what was done. */
  async sourcesBeforeMsix(): Promise<string> {
    if (!this.driver.sourcesBeforeMsix) throw new Error(`the ${this.plugin.name} plugin has no interrupt sources of its own to enable`);
    return this.driver.sourcesBeforeMsix();
  }

  /** Whether the plugin can make one queue's work complete on a vector it chooses (virtio's queues). */
  get canDoQueueWork(): boolean {
    return !!this.driver.queueWork;
  }

  /** The plugin's queueWork(v) (undefined: no vector), then virtual time past every timer; what was done. */
  async queueWork(v: number | undefined): Promise<string> {
    if (!this.driver.queueWork) throw new Error(`the ${this.plugin.name} plugin has no queue work`);
    if (v !== undefined) this.msix.checkVector(v);
    const what = await this.driver.queueWork(v);
    await this.letTimePass();
    return what;
  }

  /** Whether the plugin can delete the queues that signal a vector (nvme's I/O queue pairs). */
  get canDeleteQueues(): boolean {
    return !!this.driver.deleteQueuesOf;
  }

  /** The plugin's deleteQueuesOf(v), then virtual time past every timer; what was deleted. */
  async deleteQueuesOf(v: number): Promise<string> {
    if (!this.driver.deleteQueuesOf) throw new Error(`the ${this.plugin.name} plugin cannot delete a device's queues`);
    const what = await this.driver.deleteQueuesOf(v);
    await this.letTimePass();
    return what;
  }

  /** The plugin's raiseCause (one more cause at once, nothing reset first). */
  raiseCause(): Promise<void> {
    if (!this.driver.raiseCause) throw new Error(`the ${this.plugin.name} plugin cannot raise a cause`);
    return this.driver.raiseCause();
  }

  /** Quiesce the device and enable MSI-X with every vector masked (the state a driver starts from). */
  async enableAllMasked(): Promise<void> {
    await this.resetDevice();
    await this.msix.enable();
  }

  /** enableAllMasked, then route and unmask vector v. */
  async unmaskedVector(v: number): Promise<void> {
    await this.enableAllMasked();
    await this.route(v);
    await this.msix.unmask(v);
  }

  /** unmaskedVector, and one fire of v delivered: a vector in use. */
  async liveVector(v: number): Promise<void> {
    await this.unmaskedVector(v);
    await this.fire(v);
    await this.waitDelivered(v);
  }

  /** Clear v's mailbox slot, fire v and wait for its delivery. */
  async fireAndWait(v: number): Promise<void> {
    await this.mailbox.arm(v);
    await this.fire(v);
    await this.waitDelivered(v);
  }

  /** Point vector v at its mailbox slot (v) and clear the slot; the mask bit is left alone. */
  async route(vector: number): Promise<void> {
    await this.msix.program(vector, this.mailbox.message(vector));
    await this.mailbox.arm(vector);
  }

  /** Enable plain MSI with its message to MSI_SLOT (cleared). */
  async enableMsi(): Promise<void> {
    if (!this.msi) throw new Error(`${this.plugin.name} has no MSI capability`);
    await this.msi.enable(this.mailbox.message(MSI_SLOT));
    await this.mailbox.arm(MSI_SLOT);
  }

  /** Wait until mailbox slot `slot` (a vector, or MSI_SLOT) has its message; the suite's delivery timeout applies. */
  waitDelivered(slot: number): Promise<void> {
    const timeoutMs = this.timeoutMs;
    return this.recordWait(`delivery to mailbox slot ${slot}`, timeoutMs, () => this.mailbox.waitDelivered(slot, timeoutMs));
  }

  /** Run `body`, a wait of the harness, recorded (begun, ended or given up) in this QEMU's timeline. */
  recordWait<T>(what: string, timeoutMs: number, body: () => Promise<T>): Promise<T> {
    return this.machine.log.wait(what, timeoutMs, body);
  }

  /**
   * Let QEMU finish anything a previous command started (bottom halves run
   * from the main loop), so that "nothing was delivered" is a real negative.
   */
  async settle(): Promise<void> {
    await this.machine.qtest.endianness();
    await this.machine.qmp.execute('query-status');
    await this.machine.qtest.endianness();
    await this.mailbox.quiesce();
  }

  /**
   * QMP system_reset, waiting for QEMU's RESET event; then the harness redoes
   * what firmware would (ECAM window, BAR placement), as a reset clears them.
   */
  async machineReset(): Promise<void> {
    const since = this.machine.qmp.eventCursor();
    const kvm = isKvm(this.build.accel);
    if (kvm) await this.machine.clearFirmwareReady();
    await this.machine.qmp.execute('system_reset');
    await this.machine.qmp.waitEvent('RESET', { since });
    // Under KVM the reset runs the firmware again: its vector table and local APIC come back before anything is counted.
    if (kvm) await this.machine.waitFirmwareReady(this.timeoutMs);
    await this.settle();
    const cfg = await configAccessFor[this.machine.machineType](this.machine.qtest);
    // A hot-plugged device (a kept QEMU) is behind its slot's root port, which the reset cleared too: open it again, as firmware would.
    if (this.kept && this.parts.slot) await this.parts.slot.slot.setUp();
    await this.fn.restoreBars(cfg);
    for (const c of this.parts.counters) await c.restore(cfg);
  }

  /**
   * Whether QEMU is still running after `action`: 'running', or how it
   * ended with the assertion or error it printed last (for cases whose
   * subject is QEMU surviving what the guest did).
   */
  async survives(action: () => Promise<void>): Promise<string> {
    try {
      await action();
      await this.settle();
      return 'running';
    } catch (e) {
      // Only a lost connection or a silence can mean QEMU died; an answer (a refused command) means it lives.
      if (!(e instanceof HarnessError && QEMU_GONE_KINDS.has(e.kind))) throw e;
      const status = await this.machine.exitStatus();
      if (!status) throw e;
      this.spent = true;
      const last = this.stderr().trimEnd().split('\n').filter((l) => /Assertion|abort|error/i.test(l)).at(-1) ?? '';
      return `${describeExit(status)}: ${last.replace(/^.*?: (?=[^:]*: Assertion)/, '')}`;
    }
  }

  /** SIGKILL QEMU, as a crash would end it, and wait until it is gone. */
  async kill(): Promise<ExitStatus> {
    this.spent = true;
    process.kill(this.machine.proc.pid, 'SIGKILL');
    return this.machine.proc.exited;
  }

  /** QEMU's stderr so far (guest error logs, warnings, traces). */
  stderr(): string {
    return this.machine.stderr();
  }

  /** Trace events collected so far (the patterns in DutOptions.traces), optionally only those whose name starts with `prefix`. */
  traces(prefix = ''): readonly TraceEvent[] {
    return this.machine.traceEvents().filter((e) => e.name.startsWith(prefix));
  }

  /** What led here: protocol exchanges, QEMU's stderr and the waits, oldest first. */
  timeline(): Entry[] {
    return this.machine.log.snapshot();
  }

  /** The case failed or was cut short: whatever state its QEMU is in, it is not kept. */
  discard(): void {
    this.spent = true;
  }

  /** End the case: the device unplugged and its QEMU kept ('kept'), or QEMU stopped. */
  async shutdown(): Promise<Awaited<ReturnType<Machine['shutdown']>> | 'kept'> {
    if (this.kept && !this.spent && (await returnToPool(this.kept.pool, this.kept.key, this.parts, this.timeoutMs))) return 'kept';
    const status = await this.machine.shutdown();
    await Promise.all(this.retired);
    return status;
  }
}
