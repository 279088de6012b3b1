/**
 * Bus operations for QEMU's q35: nobody runs firmware under qtest, so the
 * harness maps the ECAM window itself through the MCH's PCIEXBAR register.
 */
import type { QtestClient } from '../../protocol/qtest-client.js';
import type { ConfigAccess } from '../config-access.js';
import { EcamConfig, SplitConfig } from '../ecam-config.js';
import { PortIoConfig } from '../port-io-config.js';

const MCH = { bus: 0, dev: 0, fn: 0 };
const PCIEXBAR = 0x60;
/** Below the 32-bit MMIO window the BAR allocator uses; 256 MiB covers buses 0..255. */
export const Q35_ECAM_BASE = 0xb0000000;

export async function q35ConfigAccess(qtest: QtestClient): Promise<ConfigAccess> {
  const io = new PortIoConfig(qtest);
  // Length field 00 = 256 buses; bit 0 enables the window.
  await io.write(MCH, PCIEXBAR + 4, 4, 0);
  await io.write(MCH, PCIEXBAR, 4, (Q35_ECAM_BASE | 1) >>> 0);
  return new SplitConfig(io, new EcamConfig(qtest, Q35_ECAM_BASE));
}
