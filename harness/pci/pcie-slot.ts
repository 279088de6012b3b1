/**
 * A PCI Express hot-plug slot (a root port's Slot Capabilities, Control and
 * Status), driven as Linux's pciehp drives it: on the Attention Button,
 * power the slot off (indicator off) and the device goes; on Presence
 * Detect, power it on (indicator on) and the device is there.
 */
import type { Bdf } from './bdf.js';
import type { ConfigAccess } from './config-access.js';
import { CapId, walkCapabilities } from './capabilities.js';
import { HotplugStalledError } from '../errors.js';
import { pollUntil } from '../poll.js';

const SLOT_CAPABILITIES = 0x14;
const SLOT_CONTROL = 0x18;
const SLOT_STATUS = 0x1a;
/** Hot-Plug Capable. */
const SLTCAP_HPC = 1 << 6;
const SLTCTL_POWER_INDICATOR = 0x3 << 8;
const SLTCTL_POWER_INDICATOR_ON = 0x1 << 8;
const SLTCTL_POWER_INDICATOR_OFF = 0x3 << 8;
/** Power Controller Control: set is off. */
const SLTCTL_POWER_OFF = 1 << 10;
export const SlotStatus = { ATTENTION_BUTTON: 1 << 0, PRESENCE_CHANGED: 1 << 3, PRESENCE: 1 << 6, LINK_CHANGED: 1 << 8 } as const;
/** The status bits a guest clears by writing ones. */
const SLTSTA_EVENTS = 0x1f | SlotStatus.LINK_CHANGED;
const POLL_MS = 2;

export class PcieSlot {
  private constructor(
    private readonly cfg: ConfigAccess,
    readonly port: Bdf,
    private readonly pcie: number,
  ) {}

  /** The slot of the port at `port`: a PCI Express port that says it is hot-plug capable. */
  static async of(cfg: ConfigAccess, port: Bdf, what: string): Promise<PcieSlot> {
    const pcie = (await walkCapabilities(cfg, port)).find((c) => c.id === CapId.PCIE)?.offset;
    if (pcie === undefined) throw new Error(`${what} has no PCI Express capability: no hot-plug slot`);
    if (!((await cfg.read(port, pcie + SLOT_CAPABILITIES, 4)) & SLTCAP_HPC)) throw new Error(`${what}'s slot is not Hot-Plug Capable (ACPI hot-plug took it over?)`);
    return new PcieSlot(cfg, port, pcie);
  }

  status(): Promise<number> {
    return this.cfg.read(this.port, this.pcie + SLOT_STATUS, 2);
  }

  control(): Promise<number> {
    return this.cfg.read(this.port, this.pcie + SLOT_CONTROL, 2);
  }

  /** Wait until every bit of `bits` is set in Slot Status, then clear the events seen (write ones back). */
  async awaitStatus(bits: number, step: string, timeoutMs: number): Promise<number> {
    const st = await pollUntil(() => this.status(), (s) => (s & bits) === bits, {
      timeoutMs,
      intervalMs: POLL_MS,
      timeout: (last) => new HotplugStalledError(step, timeoutMs, `Slot Status 0x${last.toString(16)}`),
    });
    await this.cfg.write(this.port, this.pcie + SLOT_STATUS, 2, st & SLTSTA_EVENTS);
    return st;
  }

  /** Power on with the power indicator on (a device present comes up). */
  async powerOn(): Promise<void> {
    const ctl = await this.control();
    await this.cfg.write(this.port, this.pcie + SLOT_CONTROL, 2, (ctl & ~(SLTCTL_POWER_OFF | SLTCTL_POWER_INDICATOR)) | SLTCTL_POWER_INDICATOR_ON);
  }

  /** Power off with the power indicator off: what tells QEMU the guest let the device go. */
  async powerOff(): Promise<void> {
    const ctl = await this.control();
    await this.cfg.write(this.port, this.pcie + SLOT_CONTROL, 2, (ctl & ~SLTCTL_POWER_INDICATOR) | SLTCTL_POWER_OFF | SLTCTL_POWER_INDICATOR_OFF);
  }
}
