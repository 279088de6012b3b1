/** Bus operations for QEMU's pc (i440FX): conventional PCI, port I/O only. */
import type { QtestClient } from '../../protocol/qtest-client.js';
import type { ConfigAccess } from '../config-access.js';
import { PortIoConfig } from '../port-io-config.js';

export async function pcConfigAccess(qtest: QtestClient): Promise<ConfigAccess> {
  return new PortIoConfig(qtest);
}
