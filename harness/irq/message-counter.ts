/**
 * Counting messages exactly, where the mailbox only sees "the data appeared":
 * QEMU's pci-testdev. Its test 0 (mmio, no eventfd) counts every one-byte
 * write of 0xFA at BAR0 + 0x800 (the device takes byte accesses only, so a
 * message's dword write arrives as four byte writes, the first of them
 * there). A vector whose entry points at a counter, with data whose low byte
 * is 0xFA, is counted message by message; one counter per pci-testdev.
 * Checked on QEMU 7.2.22, 10.0.2 and 11.1.3.
 */
import type { PciFunction } from '../pci/pci-function.js';
import type { MsixMessage } from './msix.js';

/** The -device driver a counter is. */
export const COUNTER_DEVICE = 'pci-testdev';
const SELECT_TEST = 0x00;
const COUNT = 12;
const TEST_MMIO_NO_EVENTFD = 0;
const COUNTED_AT = 0x800;
const COUNTED_LOW_BYTE = 0xfa;

export class MessageCounter {
  private constructor(private readonly fn: PciFunction) {}

  /** A placed pci-testdev as a counter, at zero. */
  static async attach(fn: PciFunction): Promise<MessageCounter> {
    const c = new MessageCounter(fn);
    await c.zero();
    return c;
  }

  /** Its BARs written back after a machine reset cleared them (with the config access the reset left), at zero. */
  async restore(cfg: Parameters<PciFunction['restoreBars']>[0]): Promise<void> {
    await this.fn.restoreBars(cfg);
    await this.zero();
  }

  /** Select test 0 again, which zeroes its count. */
  zero(): Promise<void> {
    return this.fn.bar(0).writeb(SELECT_TEST, TEST_MMIO_NO_EVENTFD);
  }

  /** The message that counts here; `tag` goes in the data's upper bytes (a reader of the entry can tell counters apart). */
  message(tag = 0): MsixMessage {
    return { address: this.fn.bar(0).addressOf(COUNTED_AT), data: ((tag << 8) | COUNTED_LOW_BYTE) >>> 0 };
  }

  /** Messages counted since the last zero. */
  count(): Promise<number> {
    return this.fn.bar(0).readl(COUNT);
  }
}
