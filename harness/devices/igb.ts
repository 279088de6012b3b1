/**
 * Intel 82576 (QEMU igb, QEMU >= 8.0): 10 MSI-X vectors in a 64-bit BAR3.
 * With GPIE.MSIX_MODE set, extended cause bit N is vector N, so firing is
 * EIMS/EICS of bit N after clearing it in EICR (write 1 to clear) for a
 * fresh edge. EITR is 0 after reset: no throttling timer is involved.
 *
 * Queue work (queueWork): one frame on TX queue 0 (a legacy descriptor with
 * Report Status), its write-back cause routed to the vector through IVAR0's
 * TX queue 0 entry (none valid: no vector).
 */
import type { DeviceDriver, DeviceHandle, DevicePlugin } from './device-plugin.js';

const REG = { CTRL: 0x0000, TCTL: 0x0400, GPIE: 0x1514, EICS: 0x1520, EIMS: 0x1524, EIMC: 0x1528, EICR: 0x1580, IVAR0: 0x1700, TDBAL0: 0xe000, TDBAH0: 0xe004, TDLEN0: 0xe008, TDH0: 0xe010, TDT0: 0xe018, TXDCTL0: 0xe028 } as const;
const CTRL_RST = 1 << 26;
const GPIE_MSIX_MODE = 1 << 4;
const TCTL_EN = 1 << 1;
const TXDCTL_QUEUE_ENABLE = 1 << 25;
/** IVAR0's TX queue 0 entry (bits 8..15) and its valid bit. */
const IVAR_TX0_SHIFT = 8;
const IVAR_VALID = 0x80;
const ALL_VECTORS = 0x3ff;
/** Legacy TX descriptor command: end of packet, insert FCS, report status; status Descriptor Done. */
const TXD_CMD = { EOP: 0x01, IFCS: 0x02, RS: 0x08 } as const;
const TXD_CMD_SHIFT = 24;
const TXD_STAT_DD = 0x1;
/** A TX ring (128 bytes, the smallest TDLEN) and a 60-byte frame. */
const TX = { RING_BYTES: 128, FRAME_BYTES: 60 } as const;

function attach(dev: DeviceHandle): DeviceDriver {
  const ring = dev.ram.alloc(TX.RING_BYTES, 128, 'igb TX ring');
  const frame = dev.ram.alloc(TX.FRAME_BYTES, 16, 'igb TX frame');
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
  async queueWork(vector) {
    const mmio = dev.fn.bar(0);
    const qt = dev.fn.qtest;
    await mmio.writel(REG.TCTL, 0);
    await mmio.writel(REG.GPIE, GPIE_MSIX_MODE);
    await mmio.writel(REG.EICR, 0xffffffff);
    await mmio.writel(REG.IVAR0, vector === undefined ? 0 : (IVAR_VALID | vector) << IVAR_TX0_SHIFT);
    await mmio.writel(REG.EIMS, ALL_VECTORS);
    await qt.memset(frame, TX.FRAME_BYTES, 0);
    await qt.writel(ring, frame);
    await qt.writel(ring + 4, 0);
    await qt.writel(ring + 8, (TX.FRAME_BYTES | ((TXD_CMD.EOP | TXD_CMD.IFCS | TXD_CMD.RS) << TXD_CMD_SHIFT)) >>> 0);
    await qt.writel(ring + 12, 0);
    for (const [reg, v] of [[REG.TDBAL0, ring], [REG.TDBAH0, 0], [REG.TDLEN0, TX.RING_BYTES], [REG.TDH0, 0], [REG.TDT0, 0], [REG.TXDCTL0, TXDCTL_QUEUE_ENABLE]] as const) await mmio.writel(reg, v);
    await mmio.writel(REG.TCTL, TCTL_EN);
    await mmio.writel(REG.TDT0, 1);
    const status = await qt.readl(ring + 12);
    if (!(status & TXD_STAT_DD)) throw new Error(`igb: the frame's descriptor is not done after TDT0 was written (status 0x${status.toString(16)})`);
    return `a frame sent on TX queue 0 with Report Status, IVAR0 TX queue 0 ${vector === undefined ? 'not valid (no vector)' : `vector ${vector}`}`;
  },
  // QEMU sends a VF's MSI-X only while the PF is in MSI-X mode (igb_core.c), as Linux's igb leaves it when the PF is up.
  async prepareVfs() {
    await dev.fn.bar(0).writel(REG.GPIE, GPIE_MSIX_MODE);
  },
};
}

export const igb: DevicePlugin = {
  name: 'igb',
  hotplugsAlike: true,
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
