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
