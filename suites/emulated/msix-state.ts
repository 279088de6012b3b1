/** The guest's reading of a device's MSI-X state, shared by the emulated cases: edge vectors, PBA shapes, control bits. */
import type { Dut } from '../../harness/case/index.js';

/** The first and the last vector: the edges of the table. */
export const edgeVectors = (dut: Dut) => [...new Set([0, dut.msix.vectors - 1])];
export const noPending = (dut: Dut) => new Array<boolean>(dut.msix.vectors).fill(false);
export const onlyPending = (dut: Dut, v: number) => noPending(dut).map((_, i) => i === v);

/** Enable and Function Mask, as the guest reads them. */
export async function controlBits(dut: Dut): Promise<[boolean, boolean]> {
  const c = await dut.msix.control();
  return [c.enabled, c.functionMasked];
}
