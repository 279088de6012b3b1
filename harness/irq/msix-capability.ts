/** The MSI-X capability structure as the guest reads it (PCI spec 6.8.2). */
import { CapId } from '../pci/capabilities.js';
import type { PciFunction } from '../pci/pci-function.js';

export const MsixControl = { ENABLE: 1 << 15, FUNCTION_MASK: 1 << 14, TABLE_SIZE_MASK: 0x7ff } as const;

export interface MsixCapability {
  readonly offset: number;
  readonly tableSize: number;
  readonly tableBir: number;
  readonly tableOffset: number;
  readonly pbaBir: number;
  readonly pbaOffset: number;
}

export async function readMsixCapability(fn: PciFunction): Promise<MsixCapability | undefined> {
  const offset = await fn.findCapability(CapId.MSIX);
  if (offset === undefined) return undefined;
  const control = await fn.read(offset + 2, 2);
  const table = await fn.read(offset + 4, 4);
  const pba = await fn.read(offset + 8, 4);
  return {
    offset,
    tableSize: (control & MsixControl.TABLE_SIZE_MASK) + 1,
    tableBir: table & 7,
    tableOffset: (table & ~7) >>> 0,
    pbaBir: pba & 7,
    pbaOffset: (pba & ~7) >>> 0,
  };
}

/**
 * What is wrong with where the capability puts the table and the PBA, given
 * the sizes of the function's BARs: each inside a BAR that exists and is
 * memory, the PBA large enough for every vector, the two not overlapping.
 * Empty when the layout is sane.
 */
export function msixLayoutProblems(cap: MsixCapability, barSize: (index: number) => { size: number; kind: string } | undefined): string[] {
  const problems: string[] = [];
  const table = { what: 'table', bir: cap.tableBir, start: cap.tableOffset, bytes: cap.tableSize * 16 };
  const pba = { what: 'PBA', bir: cap.pbaBir, start: cap.pbaOffset, bytes: Math.ceil(cap.tableSize / 64) * 8 };
  for (const r of [table, pba]) {
    const bar = barSize(r.bir);
    if (!bar) problems.push(`the ${r.what} is in BAR${r.bir}, which the function does not have`);
    else if (bar.kind === 'io') problems.push(`the ${r.what} is in BAR${r.bir}, an I/O BAR`);
    else if (r.start + r.bytes > bar.size) problems.push(`the ${r.what} (0x${r.start.toString(16)}, ${r.bytes} bytes) runs past the end of BAR${r.bir} (${bar.size} bytes)`);
  }
  if (table.bir === pba.bir && table.start < pba.start + pba.bytes && pba.start < table.start + table.bytes) problems.push(`the table (0x${table.start.toString(16)}+${table.bytes}) and the PBA (0x${pba.start.toString(16)}+${pba.bytes}) overlap in BAR${table.bir}`);
  if (cap.tableSize > 2048) problems.push(`table size ${cap.tableSize} is above the specification's 2048`);
  return problems;
}

