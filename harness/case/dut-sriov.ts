/**
 * The device under test as an SR-IOV PF: its capability driven as a guest's
 * PF driver drives it (VF BARs, NumVFs, VF Enable and VF MSE), and each VF
 * as a function with its own MSI-X, fired through the VF's plugin where the
 * PF's plugin names one.
 */
import type { DeviceDriver, DevicePlugin } from '../devices/device-plugin.js';
import { devicePlugin } from '../devices/index.js';
import type { GuestRam } from '../guest-ram.js';
import { MsixDriver } from '../irq/msix.js';
import { Window } from '../pci/bars.js';
import { formatBdf, type Bdf } from '../pci/bdf.js';
import { Command, type PciFunction } from '../pci/pci-function.js';
import { SriovCapability, type SriovRegisters, type VfBarPlacement } from '../pci/sriov-capability.js';
import type { QmpClient } from '../protocol/qmp-client.js';
import { DUT_ID } from './dut-assembly.js';

/** Where the VF BARs go: below 4 GiB, or above it (64-bit VF BARs only). */
export type VfBarsAt = 'below-4g' | 'above-4g';

/** Above 4 GiB, clear of guest RAM (the cases' machines have far less than this). */
const ABOVE_4G: readonly [number, number] = [0x8_0000_0000, 0x10_0000_0000];
/** Config dword 0x08 (revision and class code): how a VF is told present, since a VF's Vendor and Device ID read FFFFh by the specification. */
const CLASS_REVISION = 0x08;

/** What the PF's side hands over from the device under test. */
export interface SriovContext {
  readonly fn: PciFunction;
  readonly plugin: DevicePlugin;
  readonly driver: DeviceDriver;
  readonly qmp: QmpClient;
  readonly ram: GuestRam;
  readonly vfWindow: Window;
  readonly letTimePass: () => Promise<void>;
}

/** One VF as a guest driver sees it: its function, its MSI-X, and a fire where a plugin drives it. */
export interface VfUnderTest {
  readonly index: number;
  readonly fn: PciFunction;
  readonly msix: MsixDriver;
  /** Make the VF signal vector v once (then let virtual time pass); undefined where no plugin drives this VF. */
  readonly fire?: (v: number) => Promise<void>;
}

export class SriovUnderTest {
  private placements: VfBarPlacement[] = [];
  private readonly above4g = new Window('64-bit MMIO above 4 GiB', ...ABOVE_4G);

  private constructor(
    readonly cap: SriovCapability,
    private readonly ctx: SriovContext,
  ) {}

  static async find(ctx: SriovContext): Promise<SriovUnderTest | undefined> {
    const cap = await SriovCapability.find(ctx.fn);
    return cap && new SriovUnderTest(cap, ctx);
  }

  /** The plugin that drives one VF, if the PF's plugin names one. */
  get vfPlugin(): DevicePlugin | undefined {
    const name = this.ctx.plugin.sriov?.vfPlugin;
    return name === undefined ? undefined : devicePlugin(name);
  }

  registers(): Promise<SriovRegisters> {
    return this.cap.registers();
  }

  /**
   * Size the VF BARs and place `vfs` apertures of each, below or above 4 GiB
   * (a 32-bit VF BAR always below); the placement is kept for the VFs.
   */
  async placeVfBars(vfs: number, at: VfBarsAt = 'below-4g'): Promise<readonly VfBarPlacement[]> {
    this.placements = [];
    for (const info of await this.cap.sizeVfBars()) {
      const window = at === 'above-4g' && info.kind === 'mem64' ? this.above4g : this.ctx.vfWindow;
      this.placements.push({ info, base: window.take(Math.max(info.size, 4096) * Math.max(vfs, 1)) });
    }
    await this.cap.placeVfBars(this.placements);
    return this.placements;
  }

  /**
   * What a PF driver does to make `n` VFs: VF BARs, the PF's own setup,
   * NumVFs, then VF Enable and VF MSE in one write.
   */
  async enable(n: number, at: VfBarsAt = 'below-4g'): Promise<void> {
    await this.placeVfBars(n, at);
    await this.ctx.driver.prepareVfs?.();
    await this.cap.setNumVfs(n);
    await this.cap.enableVfs();
  }

  disable(): Promise<void> {
    return this.cap.disableVfs();
  }

  /** Whether VF i answers config reads at its routing ID. */
  async present(i: number): Promise<boolean> {
    return this.answers(await this.cap.vfBdf(i));
  }

  private async answers(bdf: Bdf): Promise<boolean> {
    return (await this.ctx.fn.cfg.read(bdf, CLASS_REVISION, 4)) !== 0xffffffff;
  }

  /** VFs 0..upTo-1's routing IDs as the capability gives them now: kept, they tell after the PF is gone where its VFs were. */
  async routingIds(upTo: number): Promise<Bdf[]> {
    const out: Bdf[] = [];
    for (let i = 0; i < upTo; i++) out.push(await this.cap.vfBdf(i));
    return out;
  }

  /** The VFs among 0..upTo-1 that answer (their indexes); at the routing IDs given, else at those the capability gives now. */
  async presentVfs(upTo: number, at?: readonly Bdf[]): Promise<number[]> {
    const ids = at ?? (await this.routingIds(upTo));
    const out: number[] = [];
    for (let i = 0; i < upTo; i++) if (await this.answers(ids[i]!)) out.push(i);
    return out;
  }

  /** VF i, placed: decoding and bus mastering on (as Linux's pci_enable_device does on a VF), its MSI-X attached. */
  async vf(i: number): Promise<VfUnderTest> {
    if (!this.placements.length) throw new Error('place the VF BARs first (enable)');
    const fn = await this.cap.vf(i, this.placements);
    if (!(await this.present(i))) throw new Error(`VF ${i} (${formatBdf(fn.bdf)}) does not answer config reads`);
    await fn.setCommand(Command.MEMORY | Command.BUS_MASTER);
    const msix = await MsixDriver.attach(fn);
    if (!msix) throw new Error(`VF ${i} (${fn.name}) has no MSI-X capability`);
    const plugin = this.vfPlugin;
    if (!plugin) return { index: i, fn, msix };
    const driver = plugin.attach({ fn, qmp: this.ctx.qmp, qemuId: DUT_ID, ram: this.ctx.ram });
    await driver.reset();
    return {
      index: i,
      fn,
      msix,
      fire: async (v) => {
        msix.checkVector(v);
        await driver.fire(v);
        await this.ctx.letTimePass();
      },
    };
  }
}
