/**
 * Expected behaviour of hw/pci/msix.c (catalog C15) by QEMU version. Each
 * function answers for one build; cases compare it with what they observe.
 */
import { atLeast, type VersionLike } from './qemu-version.js';

/** Writes to the PBA are ignored on every version; since 10.0 they are also logged as a guest error (-d guest_errors). */
export function pbaWriteLogged(v: VersionLike): boolean {
  return atLeast(v, '10.0');
}

/** 8-byte accesses to the MSI-X table are accepted since 5.1 (before, the table region allowed 4-byte accesses only). */
export function qwordTableAccess(v: VersionLike): boolean {
  return atLeast(v, '5.1');
}

/** The text QEMU logs for an ignored PBA write (10.0+). */
export const PBA_WRITE_LOG = /attempt to write to MSI-X PBA at 0x[0-9a-f]+, ignoring/;
