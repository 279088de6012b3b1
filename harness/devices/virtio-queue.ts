/**
 * One split virtqueue of a modern virtio-pci device, driven as a guest
 * driver drives it: the device reset and its features negotiated
 * (VIRTIO_F_VERSION_1 only, so no event index: every used buffer may
 * interrupt), the queue's rings in guest RAM, its MSI-X vector (or
 * VIRTIO_MSI_NO_VECTOR), DRIVER_OK; then a buffer made available, the
 * queue notified, and the used ring waited for. Shared by the virtio
 * plugins; the buffer's content is the plugin's.
 */
import { CapId } from '../pci/capabilities.js';
import { pollUntil } from '../poll.js';
import type { DeviceHandle } from './device-plugin.js';

export const VIRTIO_CFG = { COMMON: 1, NOTIFY: 2, DEVICE: 4 } as const;
export const COMMON = {
  DEVICE_FEATURE_SELECT: 0x00,
  DEVICE_FEATURE: 0x04,
  DRIVER_FEATURE_SELECT: 0x08,
  DRIVER_FEATURE: 0x0c,
  MSIX_CONFIG: 0x10,
  DEVICE_STATUS: 0x14,
  QUEUE_SELECT: 0x16,
  QUEUE_SIZE: 0x18,
  QUEUE_MSIX_VECTOR: 0x1a,
  QUEUE_ENABLE: 0x1c,
  QUEUE_NOTIFY_OFF: 0x1e,
  QUEUE_DESC: 0x20,
  QUEUE_DRIVER: 0x28,
  QUEUE_DEVICE: 0x30,
} as const;
export const STATUS = { ACKNOWLEDGE: 1, DRIVER: 2, DRIVER_OK: 4, FEATURES_OK: 8 } as const;
export const NO_VECTOR = 0xffff;
/** VIRTIO_F_VERSION_1: bit 32, bit 0 of feature word 1. */
const VERSION_1_WORD = 1;
const VERSION_1_BIT = 1;
/** Ring entries; descriptors 0..HEADS-1 head each buffer, HEADS.. hold a chain's reply. */
const QUEUE_SIZE = 32;
const HEADS = QUEUE_SIZE / 2;
const DESC_BYTES = 16;
/** Descriptor flags: the chain goes on; the device writes this buffer. */
const DESC_F_NEXT = 1;
const DESC_F_WRITE = 2;
const WAIT_MS = 2000;
const PAGE = 0x1000;
/** Polls of the used ring before the clock is let run between them, and how far it runs each time. */
const POLLS_BEFORE_CLOCK = 5;
const CLOCK_NS = 100_000;

/** Where a virtio configuration structure of `type` is: its BAR and offset (from the vendor capability), and the capability. */
export async function configStructure(dev: DeviceHandle, type: number): Promise<{ bar: number; offset: number; cap: number }> {
  for (const cap of await dev.fn.capabilities()) {
    if (cap.id !== CapId.VENDOR) continue;
    if ((await dev.fn.read(cap.offset + 3, 1)) !== type) continue;
    return { bar: await dev.fn.read(cap.offset + 4, 1), offset: await dev.fn.read(cap.offset + 8, 4), cap: cap.offset };
  }
  throw new Error(`${dev.fn.name}: no virtio configuration capability of type ${type} (is this a modern virtio device?)`);
}

/** Write the configuration vector (config_msix_vector) and read back what the device took. */
export async function setConfigVector(dev: DeviceHandle, vector: number): Promise<number> {
  const c = await configStructure(dev, VIRTIO_CFG.COMMON);
  const bar = dev.fn.bar(c.bar);
  await bar.writew(c.offset + COMMON.MSIX_CONFIG, vector);
  return bar.readw(c.offset + COMMON.MSIX_CONFIG);
}

/** The MSI-X table size the device has (its capability), whatever the plugin configured. */
export async function tableSize(dev: DeviceHandle): Promise<number> {
  const cap = await dev.fn.findCapability(CapId.MSIX);
  if (cap === undefined) throw new Error(`${dev.fn.name}: no MSI-X capability`);
  return ((await dev.fn.read(cap + 2, 2)) & 0x7ff) + 1;
}

/** One virtqueue's rings in guest RAM (a page each) and where the driver is in them. */
export class VirtQueue {
  private availIdx = 0;

  private constructor(
    private readonly dev: DeviceHandle,
    readonly index: number,
    private readonly mem: { readonly desc: number; readonly avail: number; readonly used: number; readonly buffer: number },
    private readonly notifyAt: { readonly bar: number; readonly offset: number },
    /** The vector the device took for the queue (NO_VECTOR where it refused or was told none). */
    readonly vector: number,
  ) {}

  /** The guest RAM one queue needs (its rings and one buffer page). */
  static readonly BYTES = 4 * PAGE;

  /**
   * Reset the device, negotiate VERSION_1 only, set queue `index` up at
   * `ram` with `vector` (NO_VECTOR for none), then DRIVER_OK. Only this
   * queue is enabled.
   */
  static async setUp(dev: DeviceHandle, ram: number, index: number, vector: number): Promise<VirtQueue> {
    return (await VirtQueue.setUpAll(dev, [{ ram, index, vector }]))[0]!;
  }

  /** setUp for several queues at once (each with its own VirtQueue.BYTES of RAM): one reset, each queue, one DRIVER_OK. */
  static async setUpAll(dev: DeviceHandle, queues: readonly { readonly ram: number; readonly index: number; readonly vector: number }[]): Promise<VirtQueue[]> {
    const c = await configStructure(dev, VIRTIO_CFG.COMMON);
    const bar = dev.fn.bar(c.bar);
    const at = (reg: number) => c.offset + reg;
    await bar.writeb(at(COMMON.DEVICE_STATUS), 0);
    await bar.writeb(at(COMMON.DEVICE_STATUS), STATUS.ACKNOWLEDGE | STATUS.DRIVER);
    await bar.writel(at(COMMON.DEVICE_FEATURE_SELECT), VERSION_1_WORD);
    if (!((await bar.readl(at(COMMON.DEVICE_FEATURE))) & VERSION_1_BIT)) throw new Error(`${dev.fn.name}: the device does not offer VIRTIO_F_VERSION_1`);
    await bar.writel(at(COMMON.DRIVER_FEATURE_SELECT), 0);
    await bar.writel(at(COMMON.DRIVER_FEATURE), 0);
    await bar.writel(at(COMMON.DRIVER_FEATURE_SELECT), VERSION_1_WORD);
    await bar.writel(at(COMMON.DRIVER_FEATURE), VERSION_1_BIT);
    await bar.writeb(at(COMMON.DEVICE_STATUS), STATUS.ACKNOWLEDGE | STATUS.DRIVER | STATUS.FEATURES_OK);
    if (!((await bar.readb(at(COMMON.DEVICE_STATUS))) & STATUS.FEATURES_OK)) throw new Error(`${dev.fn.name}: the device did not accept VERSION_1 alone (FEATURES_OK clear)`);

    const n = await configStructure(dev, VIRTIO_CFG.NOTIFY);
    const multiplier = await dev.fn.read(n.cap + 16, 4);
    const made: VirtQueue[] = [];
    for (const { ram, index, vector } of queues) {
      const mem = { desc: ram, avail: ram + PAGE, used: ram + 2 * PAGE, buffer: ram + 3 * PAGE };
      await dev.fn.qtest.memset(ram, VirtQueue.BYTES, 0);
      await bar.writew(at(COMMON.QUEUE_SELECT), index);
      const max = await bar.readw(at(COMMON.QUEUE_SIZE));
      if (max === 0) throw new Error(`${dev.fn.name}: virtqueue ${index} does not exist`);
      if (max < QUEUE_SIZE) throw new Error(`${dev.fn.name}: virtqueue ${index} holds ${max} entries, fewer than the ${QUEUE_SIZE} the harness uses`);
      await bar.writew(at(COMMON.QUEUE_SIZE), QUEUE_SIZE);
      await bar.writew(at(COMMON.QUEUE_MSIX_VECTOR), vector);
      const took = await bar.readw(at(COMMON.QUEUE_MSIX_VECTOR));
      for (const [reg, addr] of [[COMMON.QUEUE_DESC, mem.desc], [COMMON.QUEUE_DRIVER, mem.avail], [COMMON.QUEUE_DEVICE, mem.used]] as const) {
        await bar.writel(at(reg), addr);
        await bar.writel(at(reg + 4), 0);
      }
      const notifyOff = await bar.readw(at(COMMON.QUEUE_NOTIFY_OFF));
      await bar.writew(at(COMMON.QUEUE_ENABLE), 1);
      made.push(new VirtQueue(dev, index, mem, { bar: n.bar, offset: n.offset + notifyOff * multiplier }, took));
    }
    await bar.writeb(at(COMMON.DEVICE_STATUS), STATUS.ACKNOWLEDGE | STATUS.DRIVER | STATUS.FEATURES_OK | STATUS.DRIVER_OK);
    return made;
  }

  /** Point this queue at another MSI-X vector (queue_msix_vector), as it is now; the vector the device took. */
  async setVector(vector: number): Promise<number> {
    const c = await configStructure(this.dev, VIRTIO_CFG.COMMON);
    const bar = this.dev.fn.bar(c.bar);
    await bar.writew(c.offset + COMMON.QUEUE_SELECT, this.index);
    await bar.writew(c.offset + COMMON.QUEUE_MSIX_VECTOR, vector);
    return bar.readw(c.offset + COMMON.QUEUE_MSIX_VECTOR);
  }

  /**
   * Make `bytes` available as one device-readable buffer, followed by a
   * device-writable one of `replyBytes` (a request and its response, as
   * virtio-scsi wants), notify the queue, and wait until the device has
   * used it. `beforeNotify` runs once the buffer is available and before
   * the notify: the queue has work then.
   */
  async submit(bytes: Uint8Array, what: string, replyBytes = 0, beforeNotify?: () => Promise<void>): Promise<void> {
    if (bytes.length + replyBytes > PAGE) throw new RangeError(`a buffer of ${bytes.length} + ${replyBytes} bytes does not fit the queue's page`);
    const qt = this.dev.fn.qtest;
    const slot = this.availIdx % HEADS;
    await qt.write(this.mem.buffer, bytes);
    // A chain takes two descriptors: the head in the table's first half, its reply in the second.
    const desc = this.mem.desc + slot * DESC_BYTES;
    await qt.writeq(desc, BigInt(this.mem.buffer));
    await qt.writel(desc + 8, bytes.length);
    if (replyBytes) {
      const reply = this.mem.desc + (slot + HEADS) * DESC_BYTES;
      await qt.writew(desc + 12, DESC_F_NEXT);
      await qt.writew(desc + 14, slot + HEADS);
      await qt.writeq(reply, BigInt(this.mem.buffer + bytes.length));
      await qt.writel(reply + 8, replyBytes);
      await qt.writel(reply + 12, DESC_F_WRITE);
    } else {
      await qt.writel(desc + 12, 0);
    }
    await qt.writew(this.mem.avail + 4 + 2 * (this.availIdx % QUEUE_SIZE), slot);
    this.availIdx = (this.availIdx + 1) & 0xffff;
    await qt.writew(this.mem.avail + 2, this.availIdx);
    // The buffer is the queue's work from here on; a caller may change the queue while it has it.
    await beforeNotify?.();
    await this.dev.fn.bar(this.notifyAt.bar).writew(this.notifyAt.offset, this.index);
    const want = this.availIdx;
    // A stopped machine (a build without the qtest accelerator starts with -S) holds virtio's queue work back until
    // it runs: let the clock run between polls there, as the device under test does for timers.
    let polls = 0;
    const usedIdx = async () => {
      if (++polls > POLLS_BEFORE_CLOCK && this.dev.runClock) await this.dev.runClock(CLOCK_NS);
      return qt.readw(this.mem.used + 2);
    };
    await pollUntil(usedIdx, (idx) => idx === want, { timeoutMs: WAIT_MS, intervalMs: 1, timeout: () => new Error(`${this.dev.fn.name}: virtqueue ${this.index} did not use ${what} within ${WAIT_MS} ms (used idx still short of ${want})`) });
  }
}
