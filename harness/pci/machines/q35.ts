/**
 * Bus operations for QEMU's q35: nobody runs firmware under qtest, so the
 * harness maps the ECAM window itself through the MCH's PCIEXBAR register.
 * Its hot-plug slot is a pcie-root-port's, driven as PCI Express native
 * hot-plug.
 */
import type { QtestClient } from '../../protocol/qtest-client.js';
import type { ConfigAccess } from '../config-access.js';
import { EcamConfig, SplitConfig } from '../ecam-config.js';
import { PortIoConfig } from '../port-io-config.js';
import { Bridge } from '../bridge.js';
import { PcieSlot, SlotStatus } from '../pcie-slot.js';
import type { HotplugSlotSpec } from '../hotplug-slot.js';

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

const PORT_ID = 'hotplug-port';
const PORT = { bus: 0, dev: 3, fn: 0 };
const SECONDARY_BUS = 1;
/** What the port forwards: the start of the harness's windows (the rest stays on the root bus). */
const PORT_MMIO = [0xc000_0000, 0xc800_0000] as const;
const PORT_IO = [0xc000, 0xd000] as const;

export const q35HotplugSlot: HotplugSlotSpec = {
  how: 'PCI Express native hot-plug, on a pcie-root-port',
  args: (facts) => [
    '-device', `pcie-root-port,id=${PORT_ID},chassis=1,slot=1,addr=03.0`,
    // From 6.1 ICH9's ACPI takes the root ports' slots (and clears their Hot-Plug Capable): give them back.
    ...(facts.ich9AcpiBridgeHotplug ? ['-global', 'ICH9-LPC.acpi-pci-hotplug-with-bridge-support=off'] : []),
  ],
  at: { bus: PORT_ID, addr: '00.0' },
  bdf: { bus: SECONDARY_BUS, dev: 0, fn: 0 },
  open(_qtest, cfg) {
    const bridge = new Bridge(cfg, PORT);
    const slot = () => PcieSlot.of(cfg, PORT, `the pcie-root-port at 00:03.0`);
    return {
      async setUp() {
        const windows = await bridge.open(SECONDARY_BUS, PORT_MMIO, PORT_IO);
        // The device was there at boot: firmware powers the slot (so powering off later is a change QEMU acts on).
        await (await slot()).powerOn();
        return windows;
      },
      notRemovable: async () => undefined,
      async release(timeoutMs) {
        const s = await slot();
        await s.awaitStatus(SlotStatus.ATTENTION_BUTTON, 'the Attention Button after device_del', timeoutMs);
        await s.powerOff();
      },
      async accept(timeoutMs) {
        const s = await slot();
        await s.awaitStatus(SlotStatus.PRESENCE | SlotStatus.PRESENCE_CHANGED, 'Presence Detect after device_add', timeoutMs);
        await s.powerOn();
      },
      secondaryBusReset: () => bridge.secondaryBusReset(),
    };
  },
};
