/**
 * Expected host-side behaviour of QEMU's vfio-pci MSI-X handling, by QEMU
 * version and by host property (NORESIZE). Each answer is one build's: the
 * catalog ids say where it comes from.
 */
import { atLeast, type VersionLike } from './qemu-version.js';

/**
 * C1 vs C12: enabling MSI-X with every vector masked leaves a `vfio-msix[0]`
 * line (the dummy vector, never really released) up to 8.1; from 8.2 QEMU
 * enables with an invalid fd, so the IRQ is allocated but has no handler.
 */
export function dummyVectorLine(v: VersionLike): boolean {
  return !atLeast(v, '8.2');
}

/** C12: from 8.2 QEMU allocates host vectors one at a time where the host allows it (not NORESIZE). */
export function perVectorAllocation(v: VersionLike, noresize: boolean): boolean {
  return atLeast(v, '8.2') && !noresize;
}

/**
 * C14: disabling MSI-X when no vector was ever unmasked left MSI-X on and
 * INTx broken in 8.2.0 and 8.2.1 (fixed in 8.2.2 and 9.0).
 */
export function disableWithoutVectorsBreaksIntx(v: VersionLike): boolean {
  return atLeast(v, '8.2.0') && !atLeast(v, '8.2.2');
}
