/**
 * A device the build offers that no plugin knows: found by the census, with
 * the facts it read (table size, table BAR). Nothing can make it fire, so it
 * gets the device-independent contract only (cases marked `contract`); a
 * device QEMU adds in a new release is covered the day it appears.
 */
import type { DevicePlugin } from './device-plugin.js';

export function contractDevice(found: { readonly name: string; readonly vectors: number; readonly tableBar: number }, notOn: ReadonlyMap<string, string>): DevicePlugin {
  return {
    notOn,
    name: found.name,
    driver: found.name,
    pciIds: [],
    interruptModes: [],
    msixVectors: found.vectors,
    msixTableBar: found.tableBar,
    contractOnly: true,
    attach: () => ({
      async reset() {},
      async fire() {
        throw new Error(`no plugin makes ${found.name} fire: it has the device-independent contract only`);
      },
    }),
  };
}
