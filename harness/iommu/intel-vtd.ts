/**
 * The guest's side of QEMU's intel-iommu (Intel VT-d) for interrupt
 * remapping, over qtest, as Linux's intel-iommu driver programs it: the
 * invalidation queue on, the interrupt remapping table set (SIRTP), the
 * interrupt entry cache invalidated globally and waited for, then IRE.
 * Entries (IRTEs), remappable-format messages, the fault recording
 * registers and the fault event interrupt. Only register and RAM access; no
 * device knowledge.
 */
import type { QtestClient } from '../protocol/qtest-client.js';
import type { MsixMessage } from '../irq/msix.js';
import { pollUntil } from '../poll.js';
import * as ops from '../protocol/qtest-ops.js';

/** Where QEMU's intel-iommu has its registers on x86 (DMAR's register base). */
export const VTD_BASE = 0xfed90000;

const REG = { CAP: 0x08, ECAP: 0x10, GCMD: 0x18, GSTS: 0x1c, FSTS: 0x34, FECTL: 0x38, FEDATA: 0x3c, FEADDR: 0x40, FEUADDR: 0x44, IQH: 0x80, IQT: 0x88, IQA: 0x90, ICS: 0x9c, IECTL: 0xa0, IEDATA: 0xa4, IEADDR: 0xa8, IEUADDR: 0xac, IRTA: 0xb8 } as const;
const ICS_IWC = 1 << 0;
const IECTL_IM = 1 << 31;
/** Global Command and Status bits: the persistent ones (status kept) and the one-shot ones. */
export const Gcmd = { TE: 1 << 31, QIE: 1 << 26, IRE: 1 << 25, SIRTP: 1 << 24, CFI: 1 << 23 } as const;
const PERSISTENT = Gcmd.TE | Gcmd.QIE | Gcmd.IRE | Gcmd.CFI;
const ECAP_IR = 1n << 3n;
const ECAP_QI = 1n << 1n;
const FSTS_PFO = 1 << 0;
const FSTS_PPF = 1 << 1;
/** Invalidation descriptors (128-bit): the interrupt entry cache, and a wait that writes a status dword. */
const DESC = { IEC: 0x4, WAIT: 0x5, WAIT_INTERRUPT: 1 << 4, WAIT_STATUS_WRITE: 1 << 5 } as const;
const DESC_BYTES = 16;
const IRTE_BYTES = 16;
const WAIT_MS = 2000;
const MSI_BASE = 0xfee00000;
/** Remappable format: bit 4 set, handle[14:0] in 19:5, SHV in 3, handle[15] in 2. */
const MSI_REMAPPABLE = 1 << 4;
const MSI_SHV = 1 << 3;

/** An interrupt remapping table entry, as a driver writes it (xAPIC destination). */
export interface Irte {
  readonly present: boolean;
  readonly vector: number;
  /** The destination local APIC id. */
  readonly destination: number;
  /** Fault Processing Disable: a fault on this entry is not recorded. */
  readonly fpd?: boolean;
}

/** One fault recording register with its F bit set. */
export interface VtdFault {
  /** Fault reason (VT-d spec, Appendix A: 0x20.. are interrupt remapping's, 0x22 an entry not present). */
  readonly reason: number;
  readonly sourceId: number;
  /** For an interrupt remapping fault: the entry index the request named. */
  readonly index: number;
}

/** Where the driver's structures live in guest RAM: the remapping table, the invalidation queue and its status dword. */
export interface VtdMemory {
  readonly table: number;
  /** Entries in the table: a power of two, 2 .. 65536. */
  readonly entries: number;
  readonly queue: number;
  readonly status: number;
}

export class IntelVtd {
  private queueTail = 0;
  private waits = 0;

  constructor(
    private readonly qtest: QtestClient,
    private readonly mem: VtdMemory,
    readonly base = VTD_BASE,
  ) {}

  private at(reg: number): number {
    return this.base + reg;
  }

  async capabilities(): Promise<{ cap: bigint; ecap: bigint; interruptRemapping: boolean; queuedInvalidation: boolean }> {
    const cap = await this.qtest.readq(this.at(REG.CAP));
    const ecap = await this.qtest.readq(this.at(REG.ECAP));
    return { cap, ecap, interruptRemapping: (ecap & ECAP_IR) !== 0n, queuedInvalidation: (ecap & ECAP_QI) !== 0n };
  }

  /** Raw 32-bit writes at each offset with each value, in one pipeline (a sweep of the register page). */
  async writeRegisters(writes: readonly (readonly [offset: number, value: number])[]): Promise<void> {
    for (const [off] of writes) if (!Number.isInteger(off) || off < 0 || off > 0xffc || off % 4) throw new RangeError(`intel-iommu register offset 0x${off.toString(16)}: a dword in 0..0xffc`);
    await this.qtest.pipeline(writes.map(([off, v]) => ops.writel(this.at(off), v >>> 0)));
  }

  status(): Promise<number> {
    return this.qtest.readl(this.at(REG.GSTS));
  }

  /** One Global Command: the persistent bits as the status shows them, plus `set`, less `clear`; then wait for the status to follow. */
  async command(set: number, clear = 0): Promise<void> {
    const cmd = (((await this.status()) & PERSISTENT) | set) & ~clear;
    await this.qtest.writel(this.at(REG.GCMD), cmd >>> 0);
    const want = (set | clear) & (PERSISTENT | Gcmd.SIRTP);
    await pollUntil(
      () => this.status(),
      (s) => ((s & want) >>> 0) === ((set & want) >>> 0),
      { timeoutMs: WAIT_MS, intervalMs: 1, timeout: () => new Error(`intel-iommu: GSTS did not follow GCMD 0x${(cmd >>> 0).toString(16)} within ${WAIT_MS} ms`) },
    );
  }

  /**
   * Interrupt remapping on, as Linux does it: the invalidation queue, the
   * table (SIRTP), a global interrupt entry cache invalidation waited for,
   * then IRE. Entries written before this need no further invalidation.
   */
  async enableRemapping(): Promise<void> {
    const { interruptRemapping, queuedInvalidation } = await this.capabilities();
    if (!interruptRemapping || !queuedInvalidation) throw new Error(`intel-iommu has no ${interruptRemapping ? 'queued invalidation' : 'interrupt remapping'} (start it with intremap=on)`);
    await this.qtest.memset(this.mem.queue, 4096, 0);
    await this.qtest.writeq(this.at(REG.IQA), BigInt(this.mem.queue));
    await this.qtest.writeq(this.at(REG.IQT), 0n);
    this.queueTail = 0;
    await this.command(Gcmd.QIE);
    const sizeField = Math.log2(this.mem.entries) - 1;
    if (!Number.isInteger(sizeField) || sizeField < 0 || sizeField > 15) throw new RangeError(`a remapping table of ${this.mem.entries} entries: a power of two 2..65536`);
    await this.qtest.writeq(this.at(REG.IRTA), BigInt(this.mem.table) | BigInt(sizeField));
    await this.command(Gcmd.SIRTP);
    await this.invalidateEntryCache();
    await this.command(Gcmd.IRE);
  }

  /** A global interrupt entry cache invalidation and a wait descriptor, and the wait's status dword seen. */
  async invalidateEntryCache(): Promise<void> {
    const token = 0x1000 + ++this.waits;
    await this.qtest.writel(this.mem.status, 0);
    await this.submit(BigInt(DESC.IEC), 0n);
    await this.submit(BigInt(DESC.WAIT | DESC.WAIT_STATUS_WRITE) | (BigInt(token) << 32n), BigInt(this.mem.status));
    await pollUntil(
      () => this.qtest.readl(this.mem.status),
      (v) => v === token,
      { timeoutMs: WAIT_MS, intervalMs: 1, timeout: () => new Error(`intel-iommu: the invalidation wait (status 0x${token.toString(16)}) did not complete within ${WAIT_MS} ms`) },
    );
  }

  private async submit(lo: bigint, hi: bigint): Promise<void> {
    const at = this.mem.queue + this.queueTail * DESC_BYTES;
    await this.qtest.writeq(at, lo);
    await this.qtest.writeq(at + 8, hi);
    this.queueTail = (this.queueTail + 1) % (4096 / DESC_BYTES);
    await this.qtest.writeq(this.at(REG.IQT), BigInt(this.queueTail * DESC_BYTES));
  }

  /** Write entry `index` of the remapping table (no source validation). */
  async setEntry(index: number, e: Irte): Promise<void> {
    if (!Number.isInteger(index) || index < 0 || index >= this.mem.entries) throw new RangeError(`entry ${index} is outside the ${this.mem.entries}-entry table`);
    const lo = (e.present ? 1n : 0n) | (e.fpd ? 2n : 0n) | (BigInt(e.vector & 0xff) << 16n) | (BigInt(e.destination & 0xff) << 40n);
    const at = this.mem.table + index * IRTE_BYTES;
    await this.qtest.writeq(at + 8, 0n);
    await this.qtest.writeq(at, lo);
  }

  /** Clear the whole table (every entry not present). */
  clearTable(): Promise<void> {
    return this.qtest.memset(this.mem.table, this.mem.entries * IRTE_BYTES, 0);
  }

  /** The recorded faults (F set), and the Fault Status register's PPF and PFO. */
  async faults(): Promise<{ readonly pending: boolean; readonly overflow: boolean; readonly records: VtdFault[] }> {
    const { cap } = await this.capabilities();
    const first = Number((cap >> 24n) & 0x3ffn) * 16;
    const count = Number((cap >> 40n) & 0xffn) + 1;
    const records: VtdFault[] = [];
    for (let i = 0; i < count; i++) {
      const lo = await this.qtest.readq(this.at(first + i * 16));
      const hi = await this.qtest.readq(this.at(first + i * 16 + 8));
      if (!(hi >> 63n)) continue;
      records.push({ reason: Number((hi >> 32n) & 0xffn), sourceId: Number(hi & 0xffffn), index: Number((lo >> 48n) & 0xffffn) });
    }
    const fsts = await this.qtest.readl(this.at(REG.FSTS));
    return { pending: !!(fsts & FSTS_PPF), overflow: !!(fsts & FSTS_PFO), records };
  }

  /** Clear every recorded fault (write 1 to F) and the overflow bit, as a fault handler does. */
  async clearFaults(): Promise<void> {
    const { cap } = await this.capabilities();
    const first = Number((cap >> 24n) & 0x3ffn) * 16;
    const count = Number((cap >> 40n) & 0xffn) + 1;
    for (let i = 0; i < count; i++) await this.qtest.writel(this.at(first + i * 16 + 12), 0x8000_0000);
    await this.qtest.writel(this.at(REG.FSTS), FSTS_PFO);
  }

  /** Point the fault event interrupt (the IOMMU's own MSI) at `msg` and unmask it. */
  async routeFaultEvent(msg: MsixMessage): Promise<void> {
    const addr = BigInt(msg.address);
    await this.qtest.writel(this.at(REG.FEDATA), msg.data >>> 0);
    await this.qtest.writel(this.at(REG.FEADDR), Number(addr & 0xffffffffn) >>> 0);
    await this.qtest.writel(this.at(REG.FEUADDR), Number(addr >> 32n) >>> 0);
    await this.qtest.writel(this.at(REG.FECTL), 0);
  }

  /** Point the invalidation completion event interrupt (the IOMMU's other MSI) at `msg`, masked or not. */
  async routeCompletionEvent(msg: MsixMessage, masked = false): Promise<void> {
    const addr = BigInt(msg.address);
    await this.qtest.writel(this.at(REG.IEDATA), msg.data >>> 0);
    await this.qtest.writel(this.at(REG.IEADDR), Number(addr & 0xffffffffn) >>> 0);
    await this.qtest.writel(this.at(REG.IEUADDR), Number(addr >> 32n) >>> 0);
    await this.qtest.writel(this.at(REG.IECTL), masked ? IECTL_IM >>> 0 : 0);
  }

  /** Unmask the invalidation completion event interrupt (IECTL.IM clear). */
  unmaskCompletionEvent(): Promise<void> {
    return this.qtest.writel(this.at(REG.IECTL), 0);
  }

  /** An invalidation wait descriptor with its Interrupt Flag (and a status write, to know it completed): it sets ICS.IWC and interrupts. */
  async waitWithInterrupt(): Promise<void> {
    const token = 0x2000 + ++this.waits;
    await this.qtest.writel(this.mem.status, 0);
    await this.submit(BigInt(DESC.WAIT | DESC.WAIT_INTERRUPT | DESC.WAIT_STATUS_WRITE) | (BigInt(token) << 32n), BigInt(this.mem.status));
    await pollUntil(
      () => this.qtest.readl(this.mem.status),
      (v) => v === token,
      { timeoutMs: WAIT_MS, intervalMs: 1, timeout: () => new Error(`intel-iommu: the invalidation wait with interrupt (status 0x${token.toString(16)}) did not complete within ${WAIT_MS} ms`) },
    );
  }

  /** ICS.IWC: an invalidation wait with its Interrupt Flag completed and software has not cleared it. */
  async completionPending(): Promise<boolean> {
    return !!((await this.qtest.readl(this.at(REG.ICS))) & ICS_IWC);
  }

  /** Clear ICS.IWC (write 1), as the driver's completion handler does. */
  clearCompletion(): Promise<void> {
    return this.qtest.writel(this.at(REG.ICS), ICS_IWC);
  }

}

/** The remappable-format message that names entry `handle` (with a subhandle in the data when given: entry handle + subhandle). */
export function remappableMessage(handle: number, subhandle?: number): MsixMessage {
  if (!Number.isInteger(handle) || handle < 0 || handle > 0xffff) throw new RangeError(`an interrupt handle is 16 bits, not ${handle}`);
  const address = (MSI_BASE | ((handle & 0x7fff) << 5) | MSI_REMAPPABLE | (subhandle === undefined ? 0 : MSI_SHV) | (((handle >> 15) & 1) << 2)) >>> 0;
  return { address, data: subhandle ?? 0 };
}

/** A compatibility-format message (the format without remapping) for `vector` on local APIC `destination`, fixed delivery, edge. */
export function compatibilityMessage(vector: number, destination: number): MsixMessage {
  return { address: (MSI_BASE | ((destination & 0xff) << 12)) >>> 0, data: vector & 0xff };
}
