/**
 * One PCI function seen from the guest: config space, the command register,
 * capabilities, and its BARs once placed.
 */
import type { QtestClient } from '../protocol/qtest-client.js';
import { formatBdf, type Bdf } from './bdf.js';
import { Bar, sizeBars, type Window } from './bars.js';
import { CapId, capabilityChainProblems, walkCapabilities, walkExtendedCapabilities, type Capability } from './capabilities.js';
import type { ConfigAccess, Width } from './config-access.js';

const COMMAND = 0x04;
const PCIE_DEVCAP = 0x04;
const PCIE_DEVCTL = 0x08;
const DEVCAP_FLR = 1 << 28;
const DEVCTL_INITIATE_FLR = 1 << 15;
const FLR_COMPLETION_MS = 100;

export const Command = { IO: 1 << 0, MEMORY: 1 << 1, BUS_MASTER: 1 << 2, INTX_DISABLE: 1 << 10 } as const;

export class PciFunction {
  private bars = new Map<number, Bar>();

  constructor(
    readonly qtest: QtestClient,
    private cfgAccess: ConfigAccess,
    readonly bdf: Bdf,
  ) {}

  get cfg(): ConfigAccess {
    return this.cfgAccess;
  }

  get name(): string {
    return formatBdf(this.bdf);
  }

  read(offset: number, width: Width): Promise<number> {
    return this.cfg.read(this.bdf, offset, width);
  }
  write(offset: number, width: Width, value: number): Promise<void> {
    return this.cfg.write(this.bdf, offset, width, value);
  }

  async ids(): Promise<{ vendor: number; device: number } | undefined> {
    const v = await this.read(0, 4);
    if (v === 0xffffffff) return undefined;
    return { vendor: v & 0xffff, device: v >>> 16 };
  }

  async command(): Promise<number> {
    return this.read(COMMAND, 2);
  }

  async setCommand(set: number, clear = 0): Promise<void> {
    await this.write(COMMAND, 2, ((await this.command()) | set) & ~clear & 0xffff);
  }

  capabilities(): Promise<Capability[]> {
    return walkCapabilities(this.cfg, this.bdf);
  }

  extendedCapabilities(): Promise<Capability[]> {
    return walkExtendedCapabilities(this.cfg, this.bdf);
  }

  async findCapability(id: number): Promise<number | undefined> {
    return (await this.capabilities()).find((c) => c.id === id)?.offset;
  }

  /** Size and place every BAR, then enable decoding (memory, I/O) and bus mastering. */
  async placeBars(windows: { mmio: Window; io: Window }): Promise<Bar[]> {
    await this.setCommand(0, Command.IO | Command.MEMORY);
    for (const info of await sizeBars(this.cfg, this.bdf)) {
      const off = 0x10 + 4 * info.index;
      const addr = info.kind === 'io' ? windows.io.take(Math.max(info.size, 4)) : windows.mmio.take(Math.max(info.size, 4096));
      await this.write(off, 4, info.kind === 'io' ? addr : addr >>> 0);
      if (info.kind === 'mem64') await this.write(off + 4, 4, 0);
      this.bars.set(info.index, new Bar(this.qtest, info, addr));
    }
    await this.setCommand(Command.IO | Command.MEMORY | Command.BUS_MASTER);
    return [...this.bars.values()];
  }

  /** Write the placed BARs back after a reset cleared them (with the config access the reset left). */
  async restoreBars(cfg: ConfigAccess = this.cfgAccess): Promise<void> {
    this.cfgAccess = cfg;
    await this.setCommand(0, Command.IO | Command.MEMORY);
    for (const bar of this.bars.values()) {
      const off = 0x10 + 4 * bar.index;
      await this.write(off, 4, bar.address >>> 0);
      if (bar.info.kind === 'mem64') await this.write(off + 4, 4, 0);
    }
    await this.setCommand(Command.IO | Command.MEMORY | Command.BUS_MASTER);
  }

  /** Whether the function advertises Function Level Reset (PCI Express Device Capabilities). */
  async flrCapable(): Promise<boolean> {
    const pcie = await this.findCapability(CapId.PCIE);
    return pcie !== undefined && ((await this.read(pcie + PCIE_DEVCAP, 4)) & DEVCAP_FLR) !== 0;
  }

  /**
   * Initiate Function Level Reset (PCI Express Device Control); then wait
   * the 100 ms a function has to complete it, as a driver must.
   */
  async initiateFlr(): Promise<void> {
    const pcie = await this.findCapability(CapId.PCIE);
    if (pcie === undefined) throw new Error(`${this.name} has no PCI Express capability: no FLR`);
    await this.write(pcie + PCIE_DEVCTL, 2, (await this.read(pcie + PCIE_DEVCTL, 2)) | DEVCTL_INITIATE_FLR);
    await new Promise((r) => setTimeout(r, FLR_COMPLETION_MS));
  }

  /**
   * Take over the BAR placement of another function that was this one
   * before a migration: the config space came across, the addresses are
   * the same, only the QEMU behind them is new.
   */
  adoptBars(from: PciFunction): void {
    for (const b of from.bars.values()) this.bars.set(b.index, new Bar(this.qtest, b.info, b.address));
  }

  /**
   * Take BARs the function's own header does not hold: an SR-IOV VF's,
   * which its PF's capability places (the VF's BAR registers read zero).
   */
  assignBars(bars: readonly Bar[]): void {
    for (const b of bars) this.bars.set(b.index, b);
  }

  /** The placed BAR at `index`, if the function has one there (as sized). */
  placedBar(index: number): Bar | undefined {
    return this.bars.get(index);
  }

  /** What is wrong with the capability list as read raw (empty: sane). */
  capabilityChainProblems(): Promise<string[]> {
    return capabilityChainProblems((offset, size) => this.read(offset, size));
  }

  bar(index: number): Bar {
    const b = this.bars.get(index);
    if (!b) throw new Error(`${this.name} has no placed BAR${index} (placed: ${[...this.bars.keys()].join(', ') || 'none'})`);
    return b;
  }
}
