/**
 * Delivery capture in guest RAM: each vector's message is pointed at its own
 * dword (never in 0xFEE00000-0xFEEFFFFF, so no CPU interrupt is involved),
 * and a delivery is the data value appearing there. The CPUs never run, so
 * nothing else writes this memory. A slot tells "at least one message since
 * it was armed": two messages written before it is read look like one, so
 * "exactly once" means one, and none more after re-arming and settling.
 */
import type { QtestClient } from '../protocol/qtest-client.js';
import type { MsixMessage } from './msix.js';
import { MissingDeliveryError } from '../errors.js';
import { pollUntil } from '../poll.js';

const SLOT = 16;
const APIC_MSI_LO = 0xfee00000;
const APIC_MSI_HI = 0xfeefffff;

export class Mailbox {
  /** The guest RAM a mailbox of `slots` slots takes. */
  static bytesFor(slots: number): number {
    return slots * SLOT;
  }

  constructor(
    private readonly qtest: QtestClient,
    readonly base: number,
  ) {
    if (base + 4096 > APIC_MSI_LO && base <= APIC_MSI_HI) throw new RangeError('mailbox must not overlap the APIC MSI window');
  }

  /** The message that delivers into `slot`; the data is distinct per slot and never 0. */
  message(slot: number): MsixMessage {
    return { address: this.base + slot * SLOT, data: 0x5a00 + slot };
  }

  /** Clear the slot so the next delivery is visible. */
  arm(slot: number): Promise<void> {
    return this.qtest.writel(this.base + slot * SLOT, 0);
  }

  async read(slot: number): Promise<number> {
    return this.qtest.readl(this.base + slot * SLOT);
  }

  /** Clear slots 0..slots-1 at once. */
  armAll(slots: number): Promise<void> {
    return this.qtest.memset(this.base, slots * SLOT, 0);
  }

  /** The slots among 0..slots-1 that hold anything (a message of some vector, right or wrong). */
  async written(slots: number): Promise<number[]> {
    const found: number[] = [];
    for (let s = 0; s < slots; s++) if ((await this.read(s)) !== 0) found.push(s);
    return found;
  }

  async delivered(slot: number): Promise<boolean> {
    return (await this.read(slot)) === this.message(slot).data;
  }

  /** Poll until the slot holds its data, or fail after `timeoutMs`. */
  async waitDelivered(slot: number, timeoutMs = 2000): Promise<void> {
    const expected = this.message(slot).data;
    await pollUntil(() => this.read(slot), (v) => v === expected, { timeoutMs, intervalMs: 2, timeout: (v) => new MissingDeliveryError(slot, timeoutMs, expected, v) });
  }
}
