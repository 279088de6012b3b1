/**
 * Intel 82576 (QEMU igb, QEMU >= 8.0): 10 MSI-X vectors in a 64-bit BAR3.
 * With GPIE.MSIX_MODE set, extended cause bit N is vector N, so firing is
 * EIMS/EICS of bit N after clearing it in EICR (write 1 to clear) for a
 * fresh edge. EITR is 0 after reset: no throttling timer is involved.
 */
import type { DeviceDriver, DeviceHandle, DevicePlugin } from './device-plugin.js';

const REG = { CTRL: 0x0000, GPIE: 0x1514, EICS: 0x1520, EIMS: 0x1524, EIMC: 0x1528, EICR: 0x1580 } as const;
const CTRL_RST = 1 << 26;
const GPIE_MSIX_MODE = 1 << 4;

function attach(dev: DeviceHandle): DeviceDriver {
  return {
  async reset() {
    const mmio = dev.fn.bar(0);
    await mmio.writel(REG.CTRL, CTRL_RST);
    await mmio.writel(REG.EIMC, 0xffffffff);
    await mmio.writel(REG.EICR, 0xffffffff);
  },
  async fire(vector) {
    const mmio = dev.fn.bar(0);
    const bit = (1 << vector) >>> 0;
    await mmio.writel(REG.GPIE, GPIE_MSIX_MODE);
    await mmio.writel(REG.EICR, bit);
    await mmio.writel(REG.EIMS, bit);
    await mmio.writel(REG.EICS, bit);
  },
  // QEMU sends a VF's MSI-X only while the PF is in MSI-X mode (igb_core.c), as Linux's igb leaves it when the PF is up.
  async prepareVfs() {
    await dev.fn.bar(0).writel(REG.GPIE, GPIE_MSIX_MODE);
  },
};
}

export const igb: DevicePlugin = {
  name: 'igb',
  driver: 'igb',
  pciIds: [[0x8086, 0x10c9]],
  interruptModes: ['msix'],
  msixVectors: 10,
  freeBar: 5,
  msixTableBar: 3,
  flr: true,
  deviceProps: 'romfile=',
  sriov: { vfPlugin: 'igbvf' },
  box: {
    outerQemu: 'debian:newest',
    // igb appeared in QEMU 8.0, after bookworm's 7.2; 10.0.2 (bookworm-backports) maps a VF's 64-bit BARs without their upper half.
    why: "igb is newer than bookworm's 7.2, and 10.0.2's igb maps a VF's 64-bit BARs without their upper half (traced: VF BAR3 at 0x20000 where Linux wrote 0x100020000), so no VF register write arrives",
    linuxDriver: 'igb',
  },
  attach,
};
