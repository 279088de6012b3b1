/**
 * QEMU's ACPI PCI hot-plug registers on the PIIX4 (pc), as the DSDT's
 * methods use them: which slots have a device to add (up) or to remove
 * (down) on the selected bus, and the eject register that removes one.
 * Bus 0 is selected at reset.
 */
import type { QtestClient } from '../protocol/qtest-client.js';
import { HotplugStalledError } from '../errors.js';
import { pollUntil } from '../poll.js';

const PIIX4_PCIHP = 0xae00;
const UP = 0x0;
const DOWN = 0x4;
const EJECT = 0x8;
/** Slots whose device ACPI lets the guest eject (_EJ0 exists): a cold-plugged bridge's, say, is not. */
const REMOVABLE = 0xc;
const POLL_MS = 2;

export class AcpiPciHotplug {
  constructor(private readonly qtest: QtestClient) {}

  /** Wait until `slot` is flagged in `up` (a device to add) or `down` (a device to remove), as an SCI handler reads it. */
  async awaitFlag(which: 'up' | 'down', slot: number, step: string, timeoutMs: number): Promise<void> {
    await pollUntil(() => this.qtest.inl(PIIX4_PCIHP + (which === 'up' ? UP : DOWN)), (bits) => ((bits >>> slot) & 1) === 1, {
      timeoutMs,
      intervalMs: POLL_MS,
      timeout: (last) => new HotplugStalledError(step, timeoutMs, `${which} slots 0x${last.toString(16)}`),
    });
  }

  async removable(slot: number): Promise<boolean> {
    return (((await this.qtest.inl(PIIX4_PCIHP + REMOVABLE)) >>> slot) & 1) === 1;
  }

  /** _EJ0 of `slot`: QEMU removes the device there. */
  eject(slot: number): Promise<void> {
    return this.qtest.outl(PIIX4_PCIHP + EJECT, 1 << slot);
  }
}
