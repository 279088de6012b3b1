/**
 * Where the harness sees a vector's messages arrive, slot by slot (a slot
 * per vector, and MSI_SLOT for plain MSI). Two kinds: RamMailbox (each
 * message written into guest RAM; the CPUs never run) and ApicMailbox (the
 * CPU's local APIC takes each message and the vCPU counts it: under KVM,
 * where an irqfd's message never reaches memory). A slot tells "at least
 * one message since it was armed"; ApicMailbox also counts exactly.
 */
import type { QtestClient } from '../protocol/qtest-client.js';
import type { MsixMessage } from './msix.js';
import { MissingDeliveryError } from '../errors.js';
import { pollUntil } from '../poll.js';

export abstract class Mailbox {
  /** How it observes, for the evidence: "guest RAM" or "the local APIC". */
  abstract readonly observes: string;
  /** The message that delivers into `slot`; the data is distinct per slot and never 0. */
  abstract message(slot: number): MsixMessage;
  /** Clear the slot so the next delivery is visible. */
  abstract arm(slot: number): Promise<void>;
  /** The slot's content: the data of its message once one arrived, else 0. */
  abstract read(slot: number): Promise<number>;
  /** Clear slots 0..slots-1 at once. */
  abstract armAll(slots: number): Promise<void>;
  /**
   * Let anything already on its way land before a "nothing arrived" is
   * read (nothing to do where QEMU writes the slot itself before it answers).
   */
  async quiesce(): Promise<void> {}

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

const SLOT = 16;
const APIC_MSI_LO = 0xfee00000;
const APIC_MSI_HI = 0xfeefffff;

/**
 * Delivery capture in guest RAM: each vector's message is pointed at its own
 * dword (never in 0xFEE00000-0xFEEFFFFF, so no CPU interrupt is involved),
 * and a delivery is the data value appearing there. The CPUs never run, so
 * nothing else writes this memory. Two messages written before the slot is
 * read look like one, so "exactly once" means one, and none more after
 * re-arming and settling.
 */
export class RamMailbox extends Mailbox {
  readonly observes = 'guest RAM';

  /** The guest RAM a mailbox of `slots` slots takes. */
  static bytesFor(slots: number): number {
    return slots * SLOT;
  }

  constructor(
    private readonly qtest: QtestClient,
    readonly base: number,
  ) {
    super();
    if (base + 4096 > APIC_MSI_LO && base <= APIC_MSI_HI) throw new RangeError('mailbox must not overlap the APIC MSI window');
  }

  message(slot: number): MsixMessage {
    return { address: this.base + slot * SLOT, data: 0x5a00 + slot };
  }

  arm(slot: number): Promise<void> {
    return this.qtest.writel(this.base + slot * SLOT, 0);
  }

  read(slot: number): Promise<number> {
    return this.qtest.readl(this.base + slot * SLOT);
  }

  armAll(slots: number): Promise<void> {
    return this.qtest.memset(this.base, slots * SLOT, 0);
  }
}
