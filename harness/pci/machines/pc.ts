/**
 * Bus operations for QEMU's pc (i440FX): conventional PCI, port I/O only.
 * Its root bus hot-plugs through ACPI (the PIIX4's PCI hot-plug registers).
 */
import type { QtestClient } from '../../protocol/qtest-client.js';
import type { ConfigAccess } from '../config-access.js';
import { PortIoConfig } from '../port-io-config.js';
import { AcpiPciHotplug } from '../acpi-pci-hotplug.js';
import type { HotplugSlotSpec } from '../hotplug-slot.js';

export async function pcConfigAccess(qtest: QtestClient): Promise<ConfigAccess> {
  return new PortIoConfig(qtest);
}

const SLOT = 4;

export const pcHotplugSlot: HotplugSlotSpec = {
  how: 'ACPI hot-plug (PIIX4), on the root bus',
  args: () => [],
  at: { addr: `${SLOT.toString(16).padStart(2, '0')}.0` },
  bdf: { bus: 0, dev: SLOT, fn: 0 },
  open(qtest) {
    const acpi = new AcpiPciHotplug(qtest);
    return {
      setUp: async () => undefined,
      notRemovable: async () => ((await acpi.removable(SLOT)) ? undefined : `ACPI does not offer slot ${SLOT} as removable (the PIIX4's removable-slots register)`),
      async release(timeoutMs) {
        await acpi.awaitFlag('down', SLOT, `slot ${SLOT} flagged for removal after device_del`, timeoutMs);
        await acpi.eject(SLOT);
      },
      async accept(timeoutMs) {
        await acpi.awaitFlag('up', SLOT, `slot ${SLOT} flagged as added after device_add`, timeoutMs);
      },
    };
  },
};
