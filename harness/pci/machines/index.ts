/** Bus operations by machine type: adding a machine is one file and one line here. */
import type { QtestClient } from '../../protocol/qtest-client.js';
import type { ConfigAccess } from '../config-access.js';
import { pcConfigAccess } from './pc.js';
import { q35ConfigAccess } from './q35.js';

export const configAccessFor: Record<'q35' | 'pc', (qtest: QtestClient) => Promise<ConfigAccess>> = {
  q35: q35ConfigAccess,
  pc: pcConfigAccess,
};
