/**
 * Intel 82574L (QEMU e1000e): 5 MSI-X vectors (BAR3), one 64-bit MSI.
 *
 * Firing: route the RXQ0 cause to vector N through IVAR and set it in ICS.
 * QEMU throttles e1000e interrupts with ITR/EITR timers on the virtual clock,
 * which never advances under -S, and clamps them so they cannot be turned
 * off: a second fire on a vector would wait forever. Each fire therefore
 * starts by flushing the timers (IMS write with CTRL_EXT.INT_TIMERS_CLEAR_ENA
 * after CTRL.RST), which is QEMU's "fire all timers" path.
 * QEMU 7.2 asserts if a timer armed in MSI/INTx mode is flushed after MSI-X
 * is enabled: call reset() before switching interrupt mode.
 */
import type { DeviceHandle, DevicePlugin } from './device-plugin.js';

const REG = { CTRL: 0x00, CTRL_EXT: 0x18, ICR: 0xc0, ICS: 0xc8, IMS: 0xd0, IMC: 0xd8, IVAR: 0xe4 } as const;
const CTRL_RST = 1 << 26;
const CTRL_EXT_INT_TIMERS_CLEAR_ENA = 1 << 29;
const IMS_ALL_VALID = 0x01f782d7;
const ICR_RXQ0 = 1 << 20;
const IVAR_VALID = 0x8;

async function quiesce(dev: DeviceHandle): Promise<void> {
  const mmio = dev.fn.bar(0);
  await mmio.writel(REG.CTRL, CTRL_RST);
  await mmio.writel(REG.ICR, 0xffffffff);
  await mmio.writel(REG.CTRL_EXT, CTRL_EXT_INT_TIMERS_CLEAR_ENA);
  await mmio.writel(REG.IMS, IMS_ALL_VALID);
}

export const e1000e: DevicePlugin = {
  name: 'e1000e',
  driver: 'e1000e',
  pciIds: [[0x8086, 0x10d3]],
  fires: ['msix', 'msi'],
  qemuArgs: (id, addr) => ['-device', `e1000e,id=${id},addr=${addr},romfile=`],
  async reset(dev) {
    await quiesce(dev);
    const mmio = dev.fn.bar(0);
    await mmio.writel(REG.IMC, 0xffffffff);
    await mmio.writel(REG.ICR, 0xffffffff);
  },
  async fire(dev, vector) {
    if (vector < 0 || vector > 4) throw new RangeError(`e1000e has vectors 0..4, not ${vector}`);
    await quiesce(dev);
    const mmio = dev.fn.bar(0);
    await mmio.writel(REG.IVAR, IVAR_VALID | vector);
    await mmio.writel(REG.ICS, ICR_RXQ0);
  },
};
