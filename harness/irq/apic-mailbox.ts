/**
 * Delivery capture at the CPU, for machines whose vCPU runs a firmware that
 * counts interrupts (KVM: harness/qemu/interrupt-counting-firmware.ts).
 * Each slot's message is a fixed, edge, physical-destination message to
 * local APIC 0 with a vector of its own; the vCPU's handler for that vector
 * adds one to a dword in guest RAM. So a slot counts messages, not just
 * "at least one": as long as each message is taken before the next one on
 * the same vector arrives (the APIC's IRR holds one), which the cases'
 * fire-then-wait rhythm gives.
 */
import type { QtestClient } from '../protocol/qtest-client.js';
import { ProtocolTimeoutError } from '../errors.js';
import { pollUntil } from '../poll.js';
import { Mailbox } from './mailbox.js';
import type { MsixMessage } from './msix.js';

/** Local APIC 0, physical destination, as an MSI address. */
const APIC_MSI_ADDRESS = 0xfee00000;
/** Slot s is vector FIRST_VECTOR + s (vectors 0x20-0xFD); the MSI slot gets 0xFE; 0xFF is the APIC's spurious vector. */
const FIRST_VECTOR = 0x20;
const MSI_VECTOR = 0xfe;
/**
 * The quiesce marker's vector: below every slot's priority class, so the
 * local APIC hands it over only after everything that was pending before it.
 */
const MARKER_VECTOR = 0x1f;
const QUIESCE_MS = 2000;

export class ApicMailbox extends Mailbox {
  readonly observes = 'the local APIC (the vCPU counts each vector it takes)';

  /** `countsAt`: the firmware's counter of x86 vector v is the dword at countsAt + 4v; `msiSlot`: the slot plain MSI uses. */
  constructor(
    private readonly qtest: QtestClient,
    private readonly countsAt: number,
    private readonly msiSlot: number,
  ) {
    super();
  }

  /** The x86 vector slot `slot` is delivered with. */
  vectorOf(slot: number): number {
    if (slot === this.msiSlot) return MSI_VECTOR;
    if (!Number.isInteger(slot) || slot < 0 || FIRST_VECTOR + slot >= MSI_VECTOR) throw new RangeError(`the APIC mailbox has slots 0..${MSI_VECTOR - FIRST_VECTOR - 1} and ${this.msiSlot}, not ${slot}`);
    return FIRST_VECTOR + slot;
  }

  message(slot: number): MsixMessage {
    return { address: APIC_MSI_ADDRESS, data: this.vectorOf(slot) };
  }

  private at(slot: number): number {
    return this.countsAt + 4 * this.vectorOf(slot);
  }

  arm(slot: number): Promise<void> {
    return this.qtest.writel(this.at(slot), 0);
  }

  /** Messages the vCPU took for `slot` since it was armed. */
  count(slot: number): Promise<number> {
    return this.qtest.readl(this.at(slot));
  }

  async read(slot: number): Promise<number> {
    return (await this.count(slot)) > 0 ? this.message(slot).data : 0;
  }

  armAll(slots: number): Promise<void> {
    this.vectorOf(slots - 1);
    return this.qtest.memset(this.at(0), 4 * slots, 0);
  }

  /**
   * A marker message of the lowest priority, sent through QEMU to the local
   * APIC, taken: everything that reached the APIC before it has been taken
   * and counted too.
   */
  override async quiesce(): Promise<void> {
    const at = this.countsAt + 4 * MARKER_VECTOR;
    const before = await this.qtest.readl(at);
    await this.qtest.writel(APIC_MSI_ADDRESS, MARKER_VECTOR);
    await pollUntil(() => this.qtest.readl(at), (n) => n !== before, { timeoutMs: QUIESCE_MS, intervalMs: 1, timeout: () => new ProtocolTimeoutError(`the vCPU to take a marker interrupt (vector 0x${MARKER_VECTOR.toString(16)}) sent after everything pending`, QUIESCE_MS, []) });
  }
}
