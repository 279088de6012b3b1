/**
 * The guest's side of a PF's SR-IOV extended capability (PCIe Base
 * Specification, "Single Root I/O Virtualization and Sharing"): NumVFs, VF
 * Enable and VF MSE, the VFs' routing IDs, and the VF BARs, which live in
 * the PF's capability and give each VF an aperture of the BAR's size.
 * Only config-space access; no device knowledge.
 */
import { Bar, sizeBar, type BarInfo, type BarRegisters } from './bars.js';
import { bdfOfRoutingId, routingId, type Bdf } from './bdf.js';
import { PciFunction } from './pci-function.js';

/** The SR-IOV extended capability's id. */
export const SRIOV_EXT_CAP = 0x0010;

const REG = {
  CONTROL: 0x08,
  INITIAL_VFS: 0x0c,
  TOTAL_VFS: 0x0e,
  NUM_VFS: 0x10,
  FIRST_VF_OFFSET: 0x14,
  VF_STRIDE: 0x16,
  VF_DEVICE_ID: 0x1a,
  SUPPORTED_PAGE_SIZES: 0x1c,
  SYSTEM_PAGE_SIZE: 0x20,
  VF_BAR0: 0x24,
} as const;

export const SriovControl = { VF_ENABLE: 1 << 0, VF_MSE: 1 << 3, ARI_CAPABLE_HIERARCHY: 1 << 4 } as const;

const VF_BARS = 6;

/** What the guest reads in the capability: the registers a driver looks at before and after enabling VFs. */
export interface SriovRegisters {
  readonly control: number;
  readonly initialVfs: number;
  readonly totalVfs: number;
  readonly numVfs: number;
  readonly firstVfOffset: number;
  readonly vfStride: number;
  readonly vfDeviceId: number;
  /** The VF BAR registers, low dwords as read (0 after a reset). */
  readonly vfBars: readonly number[];
}

/** One VF BAR as sized: the BAR index in the VF, its kind and the size of each VF's aperture. */
export type VfBarInfo = BarInfo;

/** Where a VF BAR goes: a 64-bit BAR can go above 4 GiB, a 32-bit one cannot. */
export interface VfBarPlacement {
  readonly info: VfBarInfo;
  /** The base of VF 0's aperture; VF n's is base + n * size. */
  readonly base: number;
}

export class SriovCapability {
  private constructor(
    readonly pf: PciFunction,
    readonly offset: number,
  ) {}

  /** The PF's SR-IOV capability; undefined when the function has none. */
  static async find(pf: PciFunction): Promise<SriovCapability | undefined> {
    const at = (await pf.extendedCapabilities()).find((c) => c.id === SRIOV_EXT_CAP)?.offset;
    return at === undefined ? undefined : new SriovCapability(pf, at);
  }

  private read(reg: number, width: 2 | 4): Promise<number> {
    return this.pf.read(this.offset + reg, width);
  }
  private write(reg: number, width: 2 | 4, v: number): Promise<void> {
    return this.pf.write(this.offset + reg, width, v);
  }

  async registers(): Promise<SriovRegisters> {
    const vfBars: number[] = [];
    for (let i = 0; i < VF_BARS; i++) vfBars.push(await this.read(REG.VF_BAR0 + 4 * i, 4));
    return {
      control: await this.read(REG.CONTROL, 2),
      initialVfs: await this.read(REG.INITIAL_VFS, 2),
      totalVfs: await this.read(REG.TOTAL_VFS, 2),
      numVfs: await this.read(REG.NUM_VFS, 2),
      firstVfOffset: await this.read(REG.FIRST_VF_OFFSET, 2),
      vfStride: await this.read(REG.VF_STRIDE, 2),
      vfDeviceId: await this.read(REG.VF_DEVICE_ID, 2),
      vfBars,
    };
  }

  totalVfs(): Promise<number> {
    return this.read(REG.TOTAL_VFS, 2);
  }
  numVfs(): Promise<number> {
    return this.read(REG.NUM_VFS, 2);
  }
  /** Write NumVFs as it is asked, in range or not (the specification leaves more than TotalVFs undefined; QEMU must survive it). */
  setNumVfs(n: number): Promise<void> {
    return this.write(REG.NUM_VFS, 2, n & 0xffff);
  }
  control(): Promise<number> {
    return this.read(REG.CONTROL, 2);
  }
  async setControl(set: number, clear = 0): Promise<void> {
    await this.write(REG.CONTROL, 2, ((await this.control()) | set) & ~clear & 0xffff);
  }

  /** VF Enable and VF MSE on, in one write, as Linux's sriov_enable does after NumVFs and the VF BARs. */
  enableVfs(): Promise<void> {
    return this.setControl(SriovControl.VF_ENABLE | SriovControl.VF_MSE);
  }
  /** VF Enable and VF MSE off, in one write. */
  disableVfs(): Promise<void> {
    return this.setControl(0, SriovControl.VF_ENABLE | SriovControl.VF_MSE);
  }

  /** VF n's routing ID, from First VF Offset and VF Stride as they read now (they may change with NumVFs). */
  async vfBdf(n: number): Promise<Bdf> {
    const offset = await this.read(REG.FIRST_VF_OFFSET, 2);
    const stride = await this.read(REG.VF_STRIDE, 2);
    return bdfOfRoutingId(routingId(this.pf.bdf) + offset + n * stride);
  }

  /** Size the VF BARs the way BARs are sized (all ones, read back, restore): the size is one VF's aperture. */
  async sizeVfBars(): Promise<VfBarInfo[]> {
    const out: VfBarInfo[] = [];
    const regs: BarRegisters = { read: (off) => this.read(off, 4), write: (off, v) => this.write(off, 4, v) };
    for (let i = 0; i < VF_BARS; i++) {
      const info = await sizeBar(regs, REG.VF_BAR0 + 4 * i, i);
      if (!info) continue;
      out.push(info);
      if (info.kind === 'mem64') i++;
    }
    return out;
  }

  /** Write each VF BAR's base (both halves of a 64-bit one). */
  async placeVfBars(placements: readonly VfBarPlacement[]): Promise<void> {
    for (const p of placements) {
      const reg = REG.VF_BAR0 + 4 * p.info.index;
      if (p.info.kind !== 'mem64' && p.base + p.info.size > 2 ** 32) throw new RangeError(`VF BAR${p.info.index} is 32-bit: it cannot go at 0x${p.base.toString(16)}`);
      await this.write(reg, 4, p.base % 2 ** 32 >>> 0);
      if (p.info.kind === 'mem64') await this.write(reg + 4, 4, Math.floor(p.base / 2 ** 32) >>> 0);
    }
  }

  /** VF n as a function, with its BARs where the PF's VF BARs put its aperture. */
  async vf(n: number, placements: readonly VfBarPlacement[]): Promise<PciFunction> {
    const fn = new PciFunction(this.pf.qtest, this.pf.cfg, await this.vfBdf(n));
    fn.assignBars(placements.map((p) => new Bar(this.pf.qtest, p.info, p.base + n * p.info.size)));
    return fn;
  }
}
