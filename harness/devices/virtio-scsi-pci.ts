/**
 * virtio-scsi-pci (modern interface), a storage controller with no disk
 * behind it: 3 request queues and 4 MSI-X vectors, table in BAR1.
 *
 * Firing vector N is the controller's own work on one queue, told its
 * vector once when the queues are set up: vector 0 is the control queue
 * (virtqueue 0), which answers an asynchronous notification query at once;
 * vectors 1..3 are request queues 1..3 (virtqueues 2..4), where a SCSI
 * command to a LUN with nothing behind it completes at once with
 * VIRTIO_SCSI_S_BAD_TARGET. Each is one used buffer, so one message. The
 * event queue (virtqueue 1) and the configuration get no vector. The queues
 * stay set up between fires, because re-pointing a queue's vector or
 * resetting the device releases vectors and with them their pending bits.
 *
 * Queue work (queueWork): request queue 1 set up alone with the vector
 * asked for (or none), one command sent.
 */
import type { DeviceDriver, DeviceHandle, DevicePlugin } from './device-plugin.js';
import { COMMON, configStructure, NO_VECTOR, setConfigVector, STATUS, tableSize, VIRTIO_CFG, VirtQueue } from './virtio-queue.js';

const REQUEST_QUEUES = 3;
const VECTORS = REQUEST_QUEUES + 1;
const CONTROL_QUEUE = 0;
const FIRST_REQUEST_QUEUE = 2;
/** VIRTIO_SCSI_T_AN_QUERY: type, LUN, event_requested; the response is event_actual and a response byte. */
const AN_QUERY = 1;
const AN_QUERY_REQUEST = new Uint8Array(16);
new DataView(AN_QUERY_REQUEST.buffer).setUint32(0, AN_QUERY, true);
const AN_QUERY_RESPONSE_BYTES = 5;
/**
 * virtio_scsi_cmd_req with QEMU's default cdb_size (32): LUN (addressing
 * target 1, which has no device), tag, task attribute, priority, CRN, CDB
 * (TEST UNIT READY: all zero); the response with the default sense_size (96).
 */
const COMMAND_REQUEST = new Uint8Array(8 + 8 + 3 + 32);
COMMAND_REQUEST.set([1, 1, 0x40, 0]);
const COMMAND_RESPONSE_BYTES = 4 + 4 + 2 + 1 + 1 + 96;

/** Virtqueue and piece of work behind vector v. */
function workOf(v: number): { queue: number; request: Uint8Array; replyBytes: number; what: string } {
  return v === 0
    ? { queue: CONTROL_QUEUE, request: AN_QUERY_REQUEST, replyBytes: AN_QUERY_RESPONSE_BYTES, what: 'an asynchronous notification query on the control queue' }
    : { queue: FIRST_REQUEST_QUEUE + v - 1, request: COMMAND_REQUEST, replyBytes: COMMAND_RESPONSE_BYTES, what: `a TEST UNIT READY to an empty target on request queue ${v}` };
}

function attach(dev: DeviceHandle): DeviceDriver {
  const ram = dev.ram.alloc(VECTORS * VirtQueue.BYTES, 4096, 'virtio-scsi queues');
  /** The queues of vectors 0..VECTORS-1, while the device still runs with them. */
  let queues: VirtQueue[] | undefined;

  const status = async () => {
    const c = await configStructure(dev, VIRTIO_CFG.COMMON);
    return dev.fn.bar(c.bar).readb(c.offset + COMMON.DEVICE_STATUS);
  };
  async function running(): Promise<VirtQueue[]> {
    // A reset of any kind (ours, a system reset, a re-plug) leaves the status 0: set the queues up again.
    if (queues && (await status()) & STATUS.DRIVER_OK) return queues;
    queues = await VirtQueue.setUpAll(dev, Array.from({ length: VECTORS }, (_, v) => ({ ram: ram + v * VirtQueue.BYTES, index: workOf(v).queue, vector: v })));
    const refused = queues.findIndex((q, v) => q.vector !== v);
    if (refused >= 0) throw new RangeError(`virtio-scsi-pci refused vector ${refused} for virtqueue ${workOf(refused).queue} (reads back 0x${queues[refused]!.vector.toString(16)})`);
    await setConfigVector(dev, NO_VECTOR);
    return queues;
  }

  return {
    async reset() {
      queues = undefined;
      const c = await configStructure(dev, VIRTIO_CFG.COMMON);
      // Status 0 resets the device and releases every vector it used.
      await dev.fn.bar(c.bar).writeb(c.offset + COMMON.DEVICE_STATUS, 0);
    },
    async fire(vector) {
      const q = (await running())[vector]!;
      const w = workOf(vector);
      await q.submit(w.request, w.what, w.replyBytes);
    },
    async queueWork(vector) {
      queues = undefined;
      const w = workOf(1);
      const q = await VirtQueue.setUp(dev, ram, w.queue, vector ?? NO_VECTOR);
      if (q.vector !== (vector ?? NO_VECTOR)) throw new RangeError(`virtio-scsi-pci refused vector ${vector} for request queue 1 (reads back 0x${q.vector.toString(16)})`);
      await q.submit(w.request, w.what, w.replyBytes);
      return `${w.what} (virtqueue ${w.queue}), its vector ${vector === undefined ? 'VIRTIO_MSI_NO_VECTOR' : vector}`;
    },
    async retargetQueueWork(from, to) {
      queues = undefined;
      const w = workOf(1);
      const q = await VirtQueue.setUp(dev, ram, w.queue, from);
      if (q.vector !== from) throw new RangeError(`virtio-scsi-pci refused vector ${from} for request queue 1 (reads back 0x${q.vector.toString(16)})`);
      await q.submit(w.request, w.what, w.replyBytes, async () => {
        const took = await q.setVector(to);
        if (took !== to) throw new RangeError(`virtio-scsi-pci refused vector ${to} for request queue 1 while it had work (reads back 0x${took.toString(16)})`);
      });
      return `${w.what} made available with vector ${from}, the queue pointed at vector ${to}, then notified`;
    },
    // The virtio specification: a vector the device cannot use reads back as VIRTIO_MSI_NO_VECTOR.
    async nameVectorBeyondTable() {
      const beyond = await tableSize(dev);
      const got = await setConfigVector(dev, beyond);
      return { asked: `config_msix_vector ${beyond} (the table has ${beyond} entries)`, refused: got === NO_VECTOR, answer: `reads back 0x${got.toString(16)}${got === NO_VECTOR ? ' (VIRTIO_MSI_NO_VECTOR)' : ''}` };
    },
  };
}

export const virtioScsiPci: DevicePlugin = {
  name: 'virtio-scsi-pci',
  driver: 'virtio-scsi-pci',
  pciIds: [[0x1af4, 0x1048]],
  interruptModes: ['msix'],
  msixVectors: VECTORS,
  msixTableBar: 1,
  // Queues and vectors named (their defaults follow the vCPU count from 5.2 on); modern on for old machine types too.
  deviceProps: `disable-legacy=on,disable-modern=off,num_queues=${REQUEST_QUEUES},vectors=${VECTORS}`,
  attach,
};
