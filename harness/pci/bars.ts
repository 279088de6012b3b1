/**
 * Base address registers: sizing (write all-ones, read back), placement in
 * windows the harness owns, and register access inside a placed BAR.
 */
import type { QtestClient } from '../protocol/qtest-client.js';
import type { Bdf } from './bdf.js';
import type { ConfigAccess } from './config-access.js';

export type BarKind = 'mem32' | 'mem64' | 'io';

export interface BarInfo {
  readonly index: number;
  readonly kind: BarKind;
  readonly prefetchable: boolean;
  readonly size: number;
}

const BAR0 = 0x10;

/** Config space offset of the header type (bit 7: multi-function). */
const HEADER_TYPE = 0x0e;

/** Size every implemented BAR of the header (six, a bridge's two), restoring the original values. */
export async function sizeBars(cfg: ConfigAccess, bdf: Bdf): Promise<BarInfo[]> {
  const bars: BarInfo[] = [];
  // A bridge's header (type 1) has two BARs, a CardBus bridge's (type 2) one: past them lie bus numbers and windows.
  const headerType = (await cfg.read(bdf, HEADER_TYPE, 1)) & 0x7f;
  const count = headerType === 1 ? 2 : headerType === 2 ? 1 : 6;
  const regs: BarRegisters = { read: (off) => cfg.read(bdf, off, 4), write: (off, v) => cfg.write(bdf, off, 4, v) };
  for (let i = 0; i < count; i++) {
    const info = await sizeBar(regs, BAR0 + 4 * i, i);
    if (!info) continue;
    bars.push(info);
    if (info.kind === 'mem64') i++;
  }
  return bars;
}

/** Dword access to a run of BAR registers: a header's, or the VF BARs in a PF's SR-IOV capability. */
export interface BarRegisters {
  read(offset: number): Promise<number>;
  write(offset: number, value: number): Promise<void>;
}

/**
 * Size the BAR whose register is at `offset` (BAR `index`): write all ones,
 * read back, restore, both halves of a 64-bit one. Undefined when the
 * register is not implemented.
 */
export async function sizeBar(regs: BarRegisters, offset: number, index: number): Promise<BarInfo | undefined> {
  const orig = await regs.read(offset);
  await regs.write(offset, 0xffffffff);
  const probe = await regs.read(offset);
  await regs.write(offset, orig);
  if (probe === 0) return undefined;
  if (probe & 1) {
    const mask = (probe & 0xfffffffc) | 0xffff0000;
    return { index, kind: 'io', prefetchable: false, size: (~mask >>> 0) + 1 };
  }
  const is64 = ((probe >> 1) & 3) === 2;
  const prefetchable = !!(probe & 8);
  if (!is64) return { index, kind: 'mem32', prefetchable, size: (~(probe & 0xfffffff0) >>> 0) + 1 };
  const hiOrig = await regs.read(offset + 4);
  await regs.write(offset + 4, 0xffffffff);
  const hi = await regs.read(offset + 4);
  await regs.write(offset + 4, hiOrig);
  const full = (BigInt(hi) << 32n) | BigInt(probe & 0xfffffff0);
  return { index, kind: 'mem64', prefetchable, size: Number((~full & 0xffffffffffffffffn) + 1n) };
}

/** Hands out naturally aligned addresses from a window. */
export class Window {
  private next: number;
  constructor(
    readonly name: string,
    readonly start: number,
    readonly end: number,
  ) {
    this.next = start;
  }
  take(size: number): number {
    const at = Math.ceil(this.next / size) * size;
    if (at + size > this.end) throw new RangeError(`${this.name} window exhausted: cannot place 0x${size.toString(16)} bytes`);
    this.next = at + size;
    return at;
  }
}

/** A placed BAR: register access at offsets inside it. */
export class Bar {
  constructor(
    private readonly qtest: QtestClient,
    readonly info: BarInfo,
    readonly address: number,
  ) {}

  get index(): number {
    return this.info.index;
  }

  private at(offset: number, width: number): number {
    if (offset < 0 || offset + width > this.info.size) throw new RangeError(`offset 0x${offset.toString(16)} is outside BAR${this.index} (0x${this.info.size.toString(16)} bytes)`);
    return this.address + offset;
  }

  readl(offset: number): Promise<number> {
    return this.info.kind === 'io' ? this.qtest.inl(this.at(offset, 4)) : this.qtest.readl(this.at(offset, 4));
  }
  writel(offset: number, v: number): Promise<void> {
    return this.info.kind === 'io' ? this.qtest.outl(this.at(offset, 4), v) : this.qtest.writel(this.at(offset, 4), v >>> 0);
  }
  readw(offset: number): Promise<number> {
    return this.info.kind === 'io' ? this.qtest.inw(this.at(offset, 2)) : this.qtest.readw(this.at(offset, 2));
  }
  writew(offset: number, v: number): Promise<void> {
    return this.info.kind === 'io' ? this.qtest.outw(this.at(offset, 2), v) : this.qtest.writew(this.at(offset, 2), v);
  }
  readb(offset: number): Promise<number> {
    return this.info.kind === 'io' ? this.qtest.inb(this.at(offset, 1)) : this.qtest.readb(this.at(offset, 1));
  }
  writeb(offset: number, v: number): Promise<void> {
    return this.info.kind === 'io' ? this.qtest.outb(this.at(offset, 1), v) : this.qtest.writeb(this.at(offset, 1), v);
  }
  readq(offset: number): Promise<bigint> {
    if (this.info.kind === 'io') throw new Error('no 64-bit access to an I/O BAR');
    return this.qtest.readq(this.at(offset, 8));
  }
  writeq(offset: number, v: bigint): Promise<void> {
    if (this.info.kind === 'io') throw new Error('no 64-bit access to an I/O BAR');
    return this.qtest.writeq(this.at(offset, 8), v);
  }
  /** Guest-physical address of an offset, for callers that batch their own ops. */
  addressOf(offset: number): number {
    return this.at(offset, 1);
  }
}
