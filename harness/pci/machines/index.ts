/** Bus operations by machine type: adding a machine is one file and one line in each table here. */
import type { QtestClient } from '../../protocol/qtest-client.js';
import type { ConfigAccess } from '../config-access.js';
import type { HotplugSlotSpec } from '../hotplug-slot.js';
import { pcConfigAccess, pcHotplugSlot } from './pc.js';
import { q35ConfigAccess, q35HotplugSlot } from './q35.js';

export const configAccessFor: Record<'q35' | 'pc', (qtest: QtestClient) => Promise<ConfigAccess>> = {
  q35: q35ConfigAccess,
  pc: pcConfigAccess,
};

/** Each machine type's slot that hot-plugs. */
export const hotplugSlotFor: Record<'q35' | 'pc', HotplugSlotSpec> = {
  q35: q35HotplugSlot,
  pc: pcHotplugSlot,
};
