/**
 * Intel 82574L (QEMU e1000e): 5 MSI-X vectors (BAR3), one 64-bit MSI.
 *
 * Firing is what a driver does: acknowledge the last RXQ0 cause in ICR,
 * route RXQ0 to vector N through IVAR, unmask it in IMS, set it in ICS.
 * Nothing is reset: QEMU throttles e1000e interrupts with ITR/EITR timers on
 * the virtual clock (clamped, never off), and what they do when they run out
 * is the device's behaviour, so the time between fires is the caller's
 * (the device under test lets it run after each fire).
 * reset() flushes the timers (CTRL.RST, then an IMS write with
 * CTRL_EXT.INT_TIMERS_CLEAR_ENA: QEMU's "fire all timers" path). QEMU 7.2
 * asserts if a timer armed in MSI/INTx mode is flushed after MSI-X is
 * enabled: call reset() before switching interrupt mode.
 */
import type { DeviceDriver, DeviceHandle, DevicePlugin } from './device-plugin.js';

const REG = { CTRL: 0x00, CTRL_EXT: 0x18, ICR: 0xc0, ICS: 0xc8, IMS: 0xd0, IMC: 0xd8, IVAR: 0xe4, TCTL: 0x400, TDBAL: 0x3800, TDBAH: 0x3804, TDLEN: 0x3808, TDH: 0x3810, TDT: 0x3818, TIDV: 0x3820 } as const;
const CTRL_RST = 1 << 26;
const CTRL_EXT_INT_TIMERS_CLEAR_ENA = 1 << 29;
const IMS_ALL_VALID = 0x01f782d7;
const ICR_RXQ0 = 1 << 20;
const IVAR_VALID = 0x8;
/** IVAR's TX queue 0 entry (bits 8..11); its cause in MSI-X mode is ICR.TXQ0. */
const IVAR_TXQ0_SHIFT = 8;
const ICR_TXQ0 = 1 << 22;
/** TX descriptor status: Descriptor Done. */
const TXD_STAT_DD = 0x1;
const ICR_TXDW = 1 << 0;
const ICR_TXQE = 1 << 1;
const ICR_LSC = 1 << 2;
const TCTL_EN = 1 << 1;
/** Legacy TX descriptor command: end of packet, insert FCS, report status, interrupt delay enable. */
const TXD_CMD = { EOP: 0x01, IFCS: 0x02, RS: 0x08, IDE: 0x80 } as const;
const TXD_CMD_SHIFT = 24;
/** The transmit interrupt delay, in 1.024 us units; the virtual clock never gets there under -S. */
const TIDV_UNITS = 1000;
/** A one-descriptor TX ring and its 60-byte frame, in guest RAM the plugin takes from the allocator. */
const TX = { RING_BYTES: 128, FRAME_BYTES: 60 } as const;

async function quiesce(dev: DeviceHandle): Promise<void> {
  const mmio = dev.fn.bar(0);
  await mmio.writel(REG.CTRL, CTRL_RST);
  await mmio.writel(REG.ICR, 0xffffffff);
  await mmio.writel(REG.CTRL_EXT, CTRL_EXT_INT_TIMERS_CLEAR_ENA);
  await mmio.writel(REG.IMS, IMS_ALL_VALID);
}

function attach(dev: DeviceHandle): DeviceDriver {
  const ring = dev.ram.alloc(TX.RING_BYTES, 128, 'e1000e TX ring');
  const frame = dev.ram.alloc(TX.FRAME_BYTES, 16, 'e1000e TX frame');
  return {
  async reset() {
    await quiesce(dev);
    const mmio = dev.fn.bar(0);
    // Off again, so that fire()'s IMS write flushes nothing.
    await mmio.writel(REG.CTRL_EXT, 0);
    await mmio.writel(REG.IMC, 0xffffffff);
    await mmio.writel(REG.ICR, 0xffffffff);
  },
  // A frame sent with IDE: its TXDW/TXQE causes wait for TIDV (QEMU keeps them as "delayed causes").
  async holdCause() {
    const mmio = dev.fn.bar(0);
    const qt = dev.fn.qtest;
    await qt.memset(frame, TX.FRAME_BYTES, 0);
    await qt.writel(ring, frame);
    await qt.writel(ring + 4, 0);
    await qt.writel(ring + 8, (TX.FRAME_BYTES | ((TXD_CMD.EOP | TXD_CMD.IFCS | TXD_CMD.RS | TXD_CMD.IDE) << TXD_CMD_SHIFT)) >>> 0);
    await qt.writel(ring + 12, 0);
    for (const [reg, v] of [[REG.TDBAL, ring], [REG.TDBAH, 0], [REG.TDLEN, TX.RING_BYTES], [REG.TDH, 0], [REG.TDT, 0], [REG.TIDV, TIDV_UNITS]] as const) await mmio.writel(reg, v);
    await mmio.writel(REG.IMS, ICR_TXDW | ICR_TXQE);
    await mmio.writel(REG.TCTL, TCTL_EN);
    await mmio.writel(REG.TDT, 1);
  },
  // Queue work: a frame on TX queue 0 with Report Status (no IDE, so no delay timer), its cause routed to `vector` through IVAR's TXQ0 entry (none valid: no vector).
  async queueWork(vector) {
    const mmio = dev.fn.bar(0);
    const qt = dev.fn.qtest;
    await mmio.writel(REG.TCTL, 0);
    await mmio.writel(REG.ICR, 0xffffffff);
    await mmio.writel(REG.IVAR, vector === undefined ? 0 : (IVAR_VALID | vector) << IVAR_TXQ0_SHIFT);
    await qt.memset(frame, TX.FRAME_BYTES, 0);
    await qt.writel(ring, frame);
    await qt.writel(ring + 4, 0);
    await qt.writel(ring + 8, (TX.FRAME_BYTES | ((TXD_CMD.EOP | TXD_CMD.IFCS | TXD_CMD.RS) << TXD_CMD_SHIFT)) >>> 0);
    await qt.writel(ring + 12, 0);
    for (const [reg, v] of [[REG.TDBAL, ring], [REG.TDBAH, 0], [REG.TDLEN, TX.RING_BYTES], [REG.TDH, 0], [REG.TDT, 0]] as const) await mmio.writel(reg, v);
    await mmio.writel(REG.IMS, ICR_TXQ0);
    await mmio.writel(REG.TCTL, TCTL_EN);
    await mmio.writel(REG.TDT, 1);
    // The model sends on the TDT write; Descriptor Done says it did.
    const status = await qt.readl(ring + 12);
    if (!(status & TXD_STAT_DD)) throw new Error(`e1000e: the frame's descriptor is not done after TDT was written (status 0x${status.toString(16)})`);
    return `a frame sent on TX queue 0 with Report Status, IVAR TXQ0 ${vector === undefined ? 'not valid (no vector)' : `vector ${vector}`}`;
  },
  async raiseCause() {
    await dev.fn.bar(0).writel(REG.ICS, ICR_LSC);
  },
  async fire(vector) {
    const mmio = dev.fn.bar(0);
    await mmio.writel(REG.ICR, ICR_RXQ0);
    await mmio.writel(REG.IVAR, IVAR_VALID | vector);
    await mmio.writel(REG.IMS, ICR_RXQ0);
    await mmio.writel(REG.ICS, ICR_RXQ0);
  },
};
}

export const e1000e: DevicePlugin = {
  name: 'e1000e',
  hotplugsAlike: true,
  driver: 'e1000e',
  pciIds: [[0x8086, 0x10d3]],
  interruptModes: ['msix', 'msi'],
  msixVectors: 5,
  msixTableBar: 3,
  freeBar: 4,
  interruptModeration: true,
  deviceProps: 'romfile=',
  // With trixie's 10.0.13 as the outer QEMU, each e1000e fire reached the box's host line twice: its model differs.
  box: { outerQemu: 'debian:bookworm', why: 'the box hardware stays the same on every machine; 10.0 sends each e1000e message twice (EITR re-send)', linuxDriver: 'e1000e' },
  attach,
};
