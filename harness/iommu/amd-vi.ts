/**
 * The guest's side of QEMU's amd-iommu (AMD-Vi) for interrupt remapping,
 * over qtest: the device table (its base register), the device's entry
 * with Interrupt Map Valid, its interrupt table and IntCtl = remapped, and
 * the interrupt table's legacy 32-bit entries. An MSI then names its entry
 * by the low bits of its data, with the address anywhere in the interrupt
 * window. Only register and RAM access; no device knowledge.
 */
import type { QtestClient } from '../protocol/qtest-client.js';
import type { MsixMessage } from '../irq/msix.js';
import type { Irte } from './intel-vtd.js';
import * as ops from '../protocol/qtest-ops.js';

/** Where QEMU's amd-iommu has its registers on x86 (IVRS's base address). */
export const AMDVI_BASE = 0xfed80000;

const REG = { DEVICE_TABLE: 0x0000, CONTROL: 0x0018 } as const;
/** Control register bits. GAEn: guest virtual APIC mode, whose interrupt table entries are 128 bits. */
export const AmdViControl = { GA_EN: 1n << 17n } as const;
/** The register page the guest may write (the IOMMU's MMIO up to the event and command pointers). */
export const AMDVI_REGISTER_BYTES = 0x4000;
const DTE_BYTES = 32;
/** DTE quad 0: Valid. Quad 2: Interrupt Map Valid, IntTabLen (2^n entries) in 4:1, the table's root in 51:6, IntCtl in 61:60. */
const DTE_VALID = 1n;
const DTE_IV = 1n;
const DTE_INT_TAB_LEN_SHIFT = 1n;
const DTE_INT_CTL_SHIFT = 60n;
const INT_CTL_REMAP = 2n;
const IRTE_BYTES = 4;
const MSI_BASE = 0xfee00000;
/** Entries 0..255 keep MSI data bits 10:8 (the delivery mode) at fixed. */
const MAX_ENTRIES = 256;

/** Where the driver's structures live in guest RAM. */
export interface AmdViMemory {
  /** The device table: 32 bytes per requester id, up to the device's. */
  readonly deviceTable: number;
  readonly deviceTableBytes: number;
  /** The device's interrupt table (4 bytes an entry, 256 entries). */
  readonly table: number;
}

export class AmdVi {
  constructor(
    private readonly qtest: QtestClient,
    private readonly mem: AmdViMemory,
    readonly base = AMDVI_BASE,
  ) {}

  /**
   * Interrupt remapping on for the function with requester id `rid`: the
   * device table set, the function's entry valid with its interrupt table
   * (every entry cleared) and IntCtl = remapped.
   */
  async enableRemapping(rid: number): Promise<void> {
    if ((rid + 1) * DTE_BYTES > this.mem.deviceTableBytes) throw new RangeError(`requester id 0x${rid.toString(16)} is past the ${this.mem.deviceTableBytes}-byte device table`);
    await this.qtest.memset(this.mem.deviceTable, this.mem.deviceTableBytes, 0);
    await this.clearTable();
    const dte = this.mem.deviceTable + rid * DTE_BYTES;
    await this.qtest.writeq(dte, DTE_VALID);
    await this.qtest.writeq(dte + 16, DTE_IV | (BigInt(Math.log2(MAX_ENTRIES)) << DTE_INT_TAB_LEN_SHIFT) | BigInt(this.mem.table) | (INT_CTL_REMAP << DTE_INT_CTL_SHIFT));
    const pages = Math.ceil(this.mem.deviceTableBytes / 4096);
    await this.qtest.writeq(this.base + REG.DEVICE_TABLE, BigInt(this.mem.deviceTable) | BigInt(pages - 1));
  }

  /** The 64-bit control register as the guest reads it. */
  control(): Promise<bigint> {
    return this.qtest.readq(this.base + REG.CONTROL);
  }

  /** Write the control register (IOMMU enable, logs, guest virtual APIC mode ...). */
  setControl(value: bigint): Promise<void> {
    return this.qtest.writeq(this.base + REG.CONTROL, value);
  }

  clearTable(): Promise<void> {
    return this.qtest.memset(this.mem.table, MAX_ENTRIES * IRTE_BYTES, 0);
  }

  /** Entry `index` of the device's interrupt table (legacy format: RemapEn, fixed, physical destination). */
  async setEntry(index: number, e: Irte): Promise<void> {
    if (!Number.isInteger(index) || index < 0 || index >= MAX_ENTRIES) throw new RangeError(`entry ${index} is outside the ${MAX_ENTRIES}-entry interrupt table`);
    await this.qtest.writel(this.mem.table + index * IRTE_BYTES, ((e.present ? 1 : 0) | ((e.destination & 0xff) << 8) | ((e.vector & 0xff) << 16)) >>> 0);
  }

  /** Raw 32-bit writes at each offset with each value, in one pipeline (a sweep of the register page). */
  async writeRegisters(writes: readonly (readonly [offset: number, value: number])[]): Promise<void> {
    for (const [off] of writes) if (!Number.isInteger(off) || off < 0 || off > AMDVI_REGISTER_BYTES - 4 || off % 4) throw new RangeError(`amd-iommu register offset 0x${off.toString(16)}: a dword in 0..0x${(AMDVI_REGISTER_BYTES - 4).toString(16)}`);
    await this.qtest.pipeline(writes.map(([off, v]) => ops.writel(this.base + off, v >>> 0)));
  }
}

/** The message that names entry `index` of the device's AMD-Vi interrupt table. */
export function amdViMessage(index: number): MsixMessage {
  if (!Number.isInteger(index) || index < 0 || index >= MAX_ENTRIES) throw new RangeError(`an AMD-Vi interrupt table index here is 0..${MAX_ENTRIES - 1}, not ${index}`);
  return { address: MSI_BASE, data: index };
}
