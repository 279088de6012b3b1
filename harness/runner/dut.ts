/**
 * The device under test, assembled: a fresh QEMU with one device, the PCI
 * function with its BARs placed, the MSI-X (and MSI) drivers, a delivery
 * mailbox, and the device plugin bound to it. Cases get one of these.
 */
import type { DeviceHandle, DevicePlugin } from '../devices/device-plugin.js';
import { MsiDriver } from '../irq/msi.js';
import { MsixDriver } from '../irq/msix.js';
import { Mailbox } from '../irq/mailbox.js';
import { parseBdf } from '../pci/bdf.js';
import { Window } from '../pci/bars.js';
import { configAccessFor } from '../pci/machines/index.js';
import { PciFunction } from '../pci/pci-function.js';
import type { QemuBuild } from '../builds/qemu-build.js';
import { Machine, type MachineConfig } from '../qemu/machine.js';

export interface DutOptions {
  readonly traces?: readonly string[];
  readonly guestErrors?: boolean;
  readonly machine?: MachineConfig['machine'];
  readonly memoryMiB?: number;
  /** Pass a host device through with vfio-pci instead of emulating the plugin's device. */
  readonly passthrough?: { readonly hostBdf: string; readonly props?: string };
}

const DUT_ID = 'dut';
const DUT_SLOT = '04.0';
const PASSTHROUGH_MEMORY_MIB = 32;

export class Dut {
  private constructor(
    readonly machine: Machine,
    readonly plugin: DevicePlugin,
    readonly fn: PciFunction,
    readonly msix: MsixDriver,
    readonly msi: MsiDriver | undefined,
    readonly mailbox: Mailbox,
    private readonly handle: DeviceHandle,
  ) {}

  static async start(build: QemuBuild, plugin: DevicePlugin, opts: DutOptions = {}): Promise<Dut> {
    const machineType = opts.machine ?? 'q35';
    const machine = await Machine.launch(build, {
      machine: machineType,
      // vfio maps (pins) all guest RAM for DMA at start: the cases need only the first MiBs.
      ...(opts.memoryMiB || opts.passthrough ? { memoryMiB: opts.memoryMiB ?? PASSTHROUGH_MEMORY_MIB } : {}),
      args: opts.passthrough
        ? ['-device', ['vfio-pci', `host=${opts.passthrough.hostBdf}`, `id=${DUT_ID}`, `addr=${DUT_SLOT}`, ...(opts.passthrough.props ? [opts.passthrough.props] : [])].join(',')]
        : plugin.qemuArgs(DUT_ID, DUT_SLOT),
      traces: opts.traces ?? [],
      guestErrors: opts.guestErrors ?? false,
    });
    try {
      const cfg = await configAccessFor[machineType](machine.qtest);
      const fn = new PciFunction(machine.qtest, cfg, parseBdf(`00:${DUT_SLOT}`));
      if (!(await fn.ids())) throw new Error(`no PCI function at 00:${DUT_SLOT} after adding ${plugin.name}`);
      await fn.placeBars({ mmio: new Window('32-bit MMIO', 0xc0000000, 0xfec00000), io: new Window('I/O', 0xc000, 0x10000) });
      const msix = await MsixDriver.attach(fn);
      if (!msix) throw new Error(`${plugin.name} has no MSI-X capability`);
      const msi = await MsiDriver.attach(fn);
      const handle: DeviceHandle = { fn, qmp: machine.qmp, qemuId: DUT_ID };
      return new Dut(machine, plugin, fn, msix, msi, new Mailbox(machine.qtest), handle);
    } catch (e) {
      await machine.shutdown();
      throw e;
    }
  }

  /** The device plugin's reset, bound to this device. */
  resetDevice(): Promise<void> {
    return this.plugin.reset(this.handle);
  }

  /** Make the device signal `vector` once. */
  fire(vector: number): Promise<void> {
    return this.plugin.fire(this.handle, vector);
  }

  /** The plugin's holdCause (a cause held back by interrupt moderation); the plugin must have it. */
  holdCause(): Promise<void> {
    if (!this.plugin.holdCause) throw new Error(`the ${this.plugin.name} plugin cannot hold a cause back`);
    return this.plugin.holdCause(this.handle);
  }

  /** The plugin's raiseCause (one more cause at once, nothing reset first). */
  raiseCause(): Promise<void> {
    if (!this.plugin.raiseCause) throw new Error(`the ${this.plugin.name} plugin cannot raise a cause`);
    return this.plugin.raiseCause(this.handle);
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
      const status = await this.machine.exitStatus();
      if (!status) throw e;
      const last = this.machine.stderr().trimEnd().split('\n').filter((l) => /Assertion|abort|error/i.test(l)).at(-1) ?? '';
      return `${status.signal ? `killed by ${status.signal}` : `exit code ${status.code}`}: ${last.replace(/^.*?: (?=[^:]*: Assertion)/, '')}`;
    }
  }

  /** Point vector v at its mailbox slot (v) and clear the slot; the mask bit is left alone. */
  async route(vector: number): Promise<void> {
    await this.msix.program(vector, this.mailbox.message(vector));
    await this.mailbox.arm(vector);
  }

  /**
   * Let QEMU finish anything a previous command started (bottom halves run
   * from the main loop), so that "nothing was delivered" is a real negative.
   */
  async settle(): Promise<void> {
    await this.machine.qtest.endianness();
    await this.machine.qmp.execute('query-status');
    await this.machine.qtest.endianness();
  }

  /**
   * QMP system_reset, waiting for QEMU's RESET event; then the harness redoes
   * what firmware would (ECAM window, BAR placement), as a reset clears them.
   */
  async machineReset(): Promise<void> {
    const since = this.machine.qmp.eventCursor();
    await this.machine.qmp.execute('system_reset');
    await this.machine.qmp.waitEvent('RESET', { since });
    await this.settle();
    const cfg = await configAccessFor[this.machine.machineType](this.machine.qtest);
    await this.fn.restoreBars(cfg);
  }

  shutdown(): ReturnType<Machine['shutdown']> {
    return this.machine.shutdown();
  }
}
