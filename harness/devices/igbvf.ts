/**
 * An SR-IOV VF of Intel 82576 (QEMU igb's igbvf, 8086:10ca): 3 MSI-X
 * vectors in a 64-bit BAR3, no INTx. QEMU creates it only through its PF
 * (sriov_numvfs on the PF's driver), so it is passed through, never added
 * with -device.
 *
 * Firing vector N: the VF's EIAC, EIMS and EICS (QEMU maps them onto the
 * PF's per-VF bits, igbvf.c vf_to_pf_addr); with EIAC set the cause clears
 * itself after each message, so every fire is a fresh edge. The PF must be
 * in MSI-X mode (GPIE), which Linux's igb sets while the PF interface is up.
 */
import type { DeviceDriver, DeviceHandle, DevicePlugin } from './device-plugin.js';

const REG = { EICS: 0x1520, EIMS: 0x1524, EIMC: 0x1528, EIAC: 0x152c, EICR: 0x1580 } as const;
const VECTORS = 3;
const ALL = (1 << VECTORS) - 1;

function attach(dev: DeviceHandle): DeviceDriver {
  return {
    async reset() {
      const mmio = dev.fn.bar(0);
      await mmio.writel(REG.EIMC, ALL);
      await mmio.writel(REG.EICR, ALL);
    },
    async fire(vector) {
      const mmio = dev.fn.bar(0);
      const bit = 1 << vector;
      await mmio.writel(REG.EIAC, bit);
      await mmio.writel(REG.EIMS, bit);
      await mmio.writel(REG.EICS, bit);
    },
  };
}

export const igbvf: DevicePlugin = {
  name: 'igbvf',
  driver: 'igbvf',
  pciIds: [[0x8086, 0x10ca]],
  interruptModes: ['msix'],
  msixVectors: VECTORS,
  msixTableBar: 3,
  flr: true,
  sriovPf: 'igb',
  attach,
};
