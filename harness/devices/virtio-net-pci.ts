/**
 * virtio-net-pci (modern interface): MSI-X only, 2 x queues + 2 vectors.
 *
 * Firing vector N uses the configuration-change interrupt: point msix_config
 * at N, make sure DRIVER_OK is set (virtio drops config interrupts before
 * it), then toggle the link through QMP set_link, which changes the status
 * field and notifies (the link's state is read from the device's own
 * config each time).
 *
 * Queue work (queueWork): the transmit queue (virtqueue 1) set up in guest
 * RAM with the vector asked for, and one frame sent. With no network
 * backend the frame goes nowhere, but the device uses the buffer and
 * signals the queue's vector all the same (dropped while the link is down).
 */
import type { DeviceDriver, DeviceHandle, DevicePlugin } from './device-plugin.js';
import { COMMON, configStructure, NO_VECTOR, setConfigVector, STATUS, tableSize, VIRTIO_CFG, VirtQueue } from './virtio-queue.js';

/** virtio_net_config.status, and its VIRTIO_NET_S_LINK_UP bit. */
const NET_STATUS = 6;
const NET_S_LINK_UP = 1;
const STATUS_DRIVER_OK = STATUS.DRIVER_OK;
const CFG_TYPE_DEVICE = VIRTIO_CFG.DEVICE;
/** The first transmit queue (receive queue 0 is virtqueue 0). */
const TX_QUEUE = 1;
/** A frame: virtio_net_hdr_v1 (12 bytes, no offloads) and a minimal Ethernet frame. */
const FRAME = new Uint8Array(12 + 60).fill(0x5a, 12);

const commonConfig = (dev: DeviceHandle) => configStructure(dev, VIRTIO_CFG.COMMON);

function attach(dev: DeviceHandle): DeviceDriver {
  const queueRam = dev.ram.alloc(VirtQueue.BYTES, 4096, 'virtio-net transmit queue');
  return {
  async reset() {
    const c = await commonConfig(dev);
    // Status 0 resets the device and releases every vector it used.
    await dev.fn.bar(c.bar).writeb(c.offset + COMMON.DEVICE_STATUS, 0);
  },
  async fire(vector) {
    const got = await setConfigVector(dev, vector);
    if (got !== vector) throw new RangeError(`virtio-net-pci refused config vector ${vector} (reads back 0x${got.toString(16)}${got === NO_VECTOR ? ', NO_VECTOR' : ''})`);
    await configChange(dev);
  },
  async queueWork(vector) {
    const q = await VirtQueue.setUp(dev, queueRam, TX_QUEUE, vector ?? NO_VECTOR);
    if (q.vector !== (vector ?? NO_VECTOR)) throw new RangeError(`virtio-net-pci refused vector ${vector} for its transmit queue (reads back 0x${q.vector.toString(16)})`);
    await q.submit(FRAME, 'a frame');
    return `a frame sent on the transmit queue (virtqueue ${TX_QUEUE}), its vector ${vector === undefined ? 'VIRTIO_MSI_NO_VECTOR' : vector}`;
  },
  async retargetQueueWork(from, to) {
    const q = await VirtQueue.setUp(dev, queueRam, TX_QUEUE, from);
    if (q.vector !== from) throw new RangeError(`virtio-net-pci refused vector ${from} for its transmit queue (reads back 0x${q.vector.toString(16)})`);
    await q.submit(FRAME, 'a frame', 0, async () => {
      const took = await q.setVector(to);
      if (took !== to) throw new RangeError(`virtio-net-pci refused vector ${to} for its transmit queue while it had work (reads back 0x${took.toString(16)})`);
    });
    return `a frame made available on the transmit queue (virtqueue ${TX_QUEUE}) with vector ${from}, the queue pointed at vector ${to}, then notified`;
  },
  async fireWithoutVector() {
    const got = await setConfigVector(dev, NO_VECTOR);
    if (got !== NO_VECTOR) throw new Error(`virtio-net-pci's config vector reads back 0x${got.toString(16)} after VIRTIO_MSI_NO_VECTOR was written`);
    await configChange(dev);
    return 'a link change with the configuration vector VIRTIO_MSI_NO_VECTOR';
  },
  // The virtio specification: a vector the device cannot use reads back as VIRTIO_MSI_NO_VECTOR.
  async nameVectorBeyondTable() {
    const beyond = await tableSize(dev);
    const got = await setConfigVector(dev, beyond);
    return { asked: `config_msix_vector ${beyond} (the table has ${beyond} entries)`, refused: got === NO_VECTOR, answer: `reads back 0x${got.toString(16)}${got === NO_VECTOR ? ' (VIRTIO_MSI_NO_VECTOR)' : ''}` };
  },
};
}

/** One configuration change (the link flipped through QMP set_link), with DRIVER_OK set so virtio does not drop it. */
async function configChange(dev: DeviceHandle): Promise<void> {
  const c = await commonConfig(dev);
  const bar = dev.fn.bar(c.bar);
  const status = await bar.readb(c.offset + COMMON.DEVICE_STATUS);
  if (!(status & STATUS_DRIVER_OK)) await bar.writeb(c.offset + COMMON.DEVICE_STATUS, status | STATUS_DRIVER_OK);
  // set_link notifies only on a change: flip the link from what the device says it is now (also right after a migration).
  const d = await configStructure(dev, CFG_TYPE_DEVICE);
  const linkUp = !!((await dev.fn.bar(d.bar).readw(d.offset + NET_STATUS)) & NET_S_LINK_UP);
  await dev.qmp.execute('set_link', { name: dev.qemuId, up: !linkUp });
}

export const virtioNetPci: DevicePlugin = {
  name: 'virtio-net-pci',
  driver: 'virtio-net-pci',
  pciIds: [[0x1af4, 0x1041]],
  interruptModes: ['msix'],
  msixVectors: 4,
  msixTableBar: 1,
  // vectors named: 5.2's default was 3, 6.0's 4 (2 x queues + 2). Modern named on: machine types before 2.7 default it off.
  deviceProps: 'romfile=,disable-legacy=on,disable-modern=off,vectors=4',
  attach,
};
