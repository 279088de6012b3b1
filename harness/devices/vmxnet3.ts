/**
 * VMware vmxnet3 (QEMU vmxnet3, 15ad:07b0): 25 MSI-X vectors, table in BAR2.
 *
 * The device interrupts only once a driver has activated it, and it takes
 * its interrupt indices from the driver's shared memory at activation: the
 * event interrupt's index (eventIntrIdx) and each queue's. Firing vector N
 * is what a link change does to an active device: the driver shared area
 * in guest RAM (magic, one TX and one RX queue with their rings, MTU 1500,
 * no automatic masking) with eventIntrIdx N, ACTIVATE_DEV (re-activated,
 * after QUIESCE_DEV, when N changes), every interrupt unmasked in its IMR;
 * then the link flipped through QMP set_link, which posts a link event
 * (ECR) and raises the event interrupt: one cause, one message.
 *
 * A vector past the table (nameVectorBeyondTable) is eventIntrIdx 25 at
 * activation, which the device must refuse (the command status reads 1).
 */
import type { BeyondTableAnswer, DeviceDriver, DeviceHandle, DevicePlugin } from './device-plugin.js';

const MAX_INTRS = 25;
/** BAR1 (VD) registers; BAR0 (PT) holds one 8-byte interrupt mask register per index. */
const VD = { VRRS: 0x00, UVRS: 0x08, DSAL: 0x10, DSAH: 0x18, CMD: 0x20, ECR: 0x40 } as const;
const PT_IMR = 0x00;
const REG_ALIGN = 8;
const CMD = { ACTIVATE_DEV: 0xcafe0000, QUIESCE_DEV: 0xcafe0001, RESET_DEV: 0xcafe0002, GET_LINK: 0xf00d0002 } as const;
const MAGIC = 0xbabefee1;
const MTU = 1500;
/** Offsets in Vmxnet3_DriverShared (the layout every vmxnet3 driver shares with the device). */
const DS = { MAGIC: 0, DRIVER_VERSION: 8, REV_SPT: 16, UPT_SPT: 20, QUEUE_DESC_PA: 40, QUEUE_DESC_LEN: 52, MTU: 56, MAX_RX_SG: 60, NUM_TX_QUEUES: 62, NUM_RX_QUEUES: 63, AUTO_MASK: 80, NUM_INTRS: 81, EVENT_INTR_IDX: 82, ECR: 696, BYTES: 720 } as const;
/** Vmxnet3_TxQueueDesc and Vmxnet3_RxQueueDesc: 256 bytes each, their conf at 16. */
const QUEUE_DESC_BYTES = 256;
const TXQ = { RING_PA: 16, COMP_PA: 32, RING_SIZE: 56, COMP_SIZE: 64, INTR_IDX: 72 } as const;
const RXQ = { RING0_PA: 16, RING1_PA: 24, COMP_PA: 32, RING0_SIZE: 56, RING1_SIZE: 60, COMP_SIZE: 64, INTR_IDX: 72 } as const;
const RING_ENTRIES = 32;
/** Every descriptor kind (TX, TX completion, RX, RX completion) is 16 bytes: a ring of 32 fits a page. */
const PAGE = 0x1000;
const ECR_LINK = 0x1;

function attach(dev: DeviceHandle): DeviceDriver {
  const mem = dev.ram.alloc(7 * PAGE, PAGE, 'vmxnet3 shared area, queue descriptors and rings');
  const at = { shared: mem, queues: mem + PAGE, tx: mem + 2 * PAGE, txComp: mem + 3 * PAGE, rx0: mem + 4 * PAGE, rx1: mem + 5 * PAGE, rxComp: mem + 6 * PAGE };
  const q = dev.fn.qtest;
  /** The event interrupt index the device was activated with; undefined: not active. */
  let active: number | undefined;

  const vd = () => dev.fn.bar(1);
  async function command(cmd: number): Promise<number> {
    await vd().writel(VD.CMD, cmd);
    return vd().readl(VD.CMD);
  }

  /** The shared area and queues as a driver writes them, with `eventIdx`, then ACTIVATE_DEV; the command status (0: active). */
  async function activate(eventIdx: number): Promise<number> {
    // Always quiesce first: an active device ignores ACTIVATE_DEV, and a device this driver never activated may be
    // active all the same (migrated in active, or left so by an earlier driver).
    await command(CMD.QUIESCE_DEV);
    active = undefined;
    await q.memset(mem, 7 * PAGE, 0);
    const s = at.shared;
    await q.writel(s + DS.MAGIC, MAGIC);
    await q.writel(s + DS.DRIVER_VERSION, 1);
    await q.writel(s + DS.REV_SPT, 1);
    await q.writel(s + DS.UPT_SPT, 1);
    await q.writeq(s + DS.QUEUE_DESC_PA, BigInt(at.queues));
    await q.writel(s + DS.QUEUE_DESC_LEN, 2 * QUEUE_DESC_BYTES);
    await q.writel(s + DS.MTU, MTU);
    await q.writew(s + DS.MAX_RX_SG, 1);
    await q.writeb(s + DS.NUM_TX_QUEUES, 1);
    await q.writeb(s + DS.NUM_RX_QUEUES, 1);
    await q.writeb(s + DS.AUTO_MASK, 0);
    await q.writeb(s + DS.NUM_INTRS, MAX_INTRS);
    await q.writeb(s + DS.EVENT_INTR_IDX, eventIdx);
    // The queues' own interrupts stay on index 0: with no backend and nothing sent they never fire.
    const tx = at.queues;
    await q.writeq(tx + TXQ.RING_PA, BigInt(at.tx));
    await q.writeq(tx + TXQ.COMP_PA, BigInt(at.txComp));
    await q.writel(tx + TXQ.RING_SIZE, RING_ENTRIES);
    await q.writel(tx + TXQ.COMP_SIZE, RING_ENTRIES);
    const rx = at.queues + QUEUE_DESC_BYTES;
    await q.writeq(rx + RXQ.RING0_PA, BigInt(at.rx0));
    await q.writeq(rx + RXQ.RING1_PA, BigInt(at.rx1));
    await q.writeq(rx + RXQ.COMP_PA, BigInt(at.rxComp));
    await q.writel(rx + RXQ.RING0_SIZE, RING_ENTRIES);
    await q.writel(rx + RXQ.RING1_SIZE, RING_ENTRIES);
    await q.writel(rx + RXQ.COMP_SIZE, RING_ENTRIES);
    await vd().writel(VD.VRRS, 1);
    await vd().writel(VD.UVRS, 1);
    await vd().writel(VD.DSAL, at.shared);
    await vd().writel(VD.DSAH, 0);
    const status = await command(CMD.ACTIVATE_DEV);
    if (status === 0) active = eventIdx;
    for (let i = 0; i < MAX_INTRS; i++) await dev.fn.bar(0).writel(PT_IMR + i * REG_ALIGN, 0);
    return status;
  }

  return {
    // RESET_DEV: inactive, every interrupt masked and nothing pending in the device.
    async reset() {
      active = undefined;
      await command(CMD.RESET_DEV);
    },
    async fire(vector) {
      if (active !== vector) {
        const status = await activate(vector);
        if (status !== 0) throw new Error(`vmxnet3 refused activation with event interrupt ${vector} (ACTIVATE_DEV status ${status})`);
      }
      // set_link notifies on every change: flip the link from what the device reports.
      await dev.qmp.execute('set_link', { name: dev.qemuId, up: !(await linkUp()) });
      // Acknowledge the event as a driver does (ECR is write-1-to-clear).
      await vd().writel(VD.ECR, ECR_LINK);
    },
    async nameVectorBeyondTable(): Promise<BeyondTableAnswer> {
      const status = await activate(MAX_INTRS);
      return { asked: `ACTIVATE_DEV with eventIntrIdx ${MAX_INTRS} (the table has ${MAX_INTRS} entries)`, refused: status !== 0, answer: `ACTIVATE_DEV status ${status}${status === 0 ? ' (active)' : ' (not active)'}` };
    },
  };

  /** The link state vmxnet3 reports (GET_LINK: bit 0 up). */
  async function linkUp(): Promise<boolean> {
    return ((await command(CMD.GET_LINK)) & 1) === 1;
  }
}

export const vmxnet3: DevicePlugin = {
  name: 'vmxnet3',
  driver: 'vmxnet3',
  pciIds: [[0x15ad, 0x07b0]],
  interruptModes: ['msix'],
  msixVectors: MAX_INTRS,
  msixTableBar: 2,
  deviceProps: 'romfile=',
  attach,
};
