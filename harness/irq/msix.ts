/**
 * Guest-side MSI-X driver: Enable and Function Mask, table entries, the PBA.
 * Only config-space and BAR accesses; no device knowledge.
 */
import * as ops from '../protocol/qtest-ops.js';
import type { PciFunction } from '../pci/pci-function.js';
import { MsixControl, msixLayoutProblems, readMsixCapability, type MsixCapability } from './msix-capability.js';

export interface MsixEntry {
  readonly address: bigint;
  readonly data: number;
  readonly masked: boolean;
  /** The raw Vector Control dword. */
  readonly control: number;
}

export interface MsixMessage {
  readonly address: bigint | number;
  readonly data: number;
}

const ENTRY = 16;
const VECTOR_CONTROL_MASKED = 1;

export class MsixDriver {
  private constructor(
    readonly fn: PciFunction,
    readonly cap: MsixCapability,
  ) {}

  /** Attach to a function whose BARs are placed; undefined if it has no MSI-X capability. */
  static async attach(fn: PciFunction): Promise<MsixDriver | undefined> {
    const cap = await readMsixCapability(fn);
    return cap && new MsixDriver(fn, cap);
  }

  get vectors(): number {
    return this.cap.tableSize;
  }

  private tableAddress(vector: number, field = 0): number {
    this.checkVector(vector);
    return this.fn.bar(this.cap.tableBir).addressOf(this.cap.tableOffset + vector * ENTRY + field);
  }

  private pbaAddress(dword: number): number {
    return this.fn.bar(this.cap.pbaBir).addressOf(this.cap.pbaOffset + dword * 4);
  }

  checkVector(vector: number): void {
    if (!Number.isInteger(vector) || vector < 0 || vector >= this.cap.tableSize) throw new RangeError(`vector ${vector} is outside the table (${this.cap.tableSize} entries)`);
  }

  async control(): Promise<{ enabled: boolean; functionMasked: boolean; raw: number }> {
    const raw = await this.fn.read(this.cap.offset + 2, 2);
    return { enabled: !!(raw & MsixControl.ENABLE), functionMasked: !!(raw & MsixControl.FUNCTION_MASK), raw };
  }

  private async setControl(set: number, clear: number): Promise<void> {
    const raw = await this.fn.read(this.cap.offset + 2, 2);
    await this.fn.write(this.cap.offset + 2, 2, (raw | set) & ~clear & 0xffff);
  }

  enable(): Promise<void> {
    return this.setControl(MsixControl.ENABLE, 0);
  }
  disable(): Promise<void> {
    return this.setControl(0, MsixControl.ENABLE);
  }
  setFunctionMask(masked: boolean): Promise<void> {
    return masked ? this.setControl(MsixControl.FUNCTION_MASK, 0) : this.setControl(0, MsixControl.FUNCTION_MASK);
  }
  /** What is wrong with where the capability puts the table and the PBA (empty: sane). */
  layoutProblems(): string[] {
    return msixLayoutProblems(this.cap, (i) => {
      const b = this.fn.placedBar(i);
      return b && { size: b.info.size, kind: b.info.kind };
    });
  }

  /**
   * MSI-X on (Function Mask clear) while `body` runs, then the control word
   * exactly as it was, in one write each way: for a device that must be set
   * up with MSI-X on while the case still owns MSI-X being off.
   */
  async whileEnabled<T>(body: () => Promise<T>): Promise<T> {
    const { raw } = await this.control();
    await this.fn.write(this.cap.offset + 2, 2, (raw | MsixControl.ENABLE) & ~MsixControl.FUNCTION_MASK & 0xffff);
    try {
      return await body();
    } finally {
      await this.fn.write(this.cap.offset + 2, 2, raw);
    }
  }

  /** Enable and Function Mask in one config write, as a driver doing "enable with everything masked" would. */
  enableWithFunctionMask(): Promise<void> {
    return this.setControl(MsixControl.ENABLE | MsixControl.FUNCTION_MASK, 0);
  }

  async entry(vector: number): Promise<MsixEntry> {
    const a = this.tableAddress(vector);
    const [lo, hi, data, control] = await this.fn.qtest.pipeline([ops.readl(a), ops.readl(a + 4), ops.readl(a + 8), ops.readl(a + 12)]);
    return { address: (BigInt(hi) << 32n) | BigInt(lo), data, masked: !!(control & VECTOR_CONTROL_MASKED), control };
  }

  async entries(): Promise<MsixEntry[]> {
    const out: MsixEntry[] = [];
    for (let v = 0; v < this.vectors; v++) out.push(await this.entry(v));
    return out;
  }

  /** Write address and data (dword accesses), leaving the mask bit as it is. */
  async program(vector: number, msg: MsixMessage): Promise<void> {
    const a = this.tableAddress(vector);
    const addr = BigInt(msg.address);
    await this.fn.qtest.pipeline([ops.writel(a, Number(addr & 0xffffffffn)), ops.writel(a + 4, Number(addr >> 32n)), ops.writel(a + 8, msg.data >>> 0)]);
  }

  /** Write one 8-byte half of an entry with a single qword access (0: address, 1: data + control). */
  writeEntryQword(vector: number, half: 0 | 1, value: bigint): Promise<void> {
    return this.fn.qtest.writeq(this.tableAddress(vector, half * 8), value);
  }

  mask(vector: number): Promise<void> {
    return this.fn.qtest.writel(this.tableAddress(vector, 12), VECTOR_CONTROL_MASKED);
  }
  unmask(vector: number): Promise<void> {
    return this.fn.qtest.writel(this.tableAddress(vector, 12), 0);
  }

  /** Pending Bit Array, one boolean per vector. */
  async pendingBits(): Promise<boolean[]> {
    const dwords = Math.ceil(this.vectors / 32);
    const words = await this.fn.qtest.pipeline(Array.from({ length: dwords }, (_, i) => ops.readl(this.pbaAddress(i))));
    return Array.from({ length: this.vectors }, (_, v) => !!((words[v >> 5]! >>> (v & 31)) & 1));
  }

  async pending(vector: number): Promise<boolean> {
    this.checkVector(vector);
    return (await this.pendingBits())[vector]!;
  }

  /** A raw write to the PBA (which the spec makes read-only), for cases that check it is ignored. */
  writePba(dword: number, value: number): Promise<void> {
    return this.fn.qtest.writel(this.pbaAddress(dword), value >>> 0);
  }
}
