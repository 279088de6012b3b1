/**
 * A slot that hot-plugs, as a machine type offers one: what QEMU needs to
 * make it, where the device sits in it, what firmware sets up before the
 * device is reachable, and the guest's side of each handshake. The
 * machine types say how (machines/q35.ts: PCI Express native hot-plug on a
 * root port; machines/pc.ts: ACPI hot-plug on the root bus).
 */
import type { QtestClient } from '../protocol/qtest-client.js';
import type { Bdf } from './bdf.js';
import type { BridgeWindows } from './bridge.js';
import type { ConfigAccess } from './config-access.js';

/** The facts of a build a slot depends on. */
export interface SlotBuildFacts {
  /** ICH9's ACPI hot-plug of bridges exists (6.1+): when on, it takes q35's root ports from native hot-plug. */
  readonly ich9AcpiBridgeHotplug: boolean;
}

export interface HotplugSlotSpec {
  /** How the slot hot-plugs, for reports ("PCI Express native, on a pcie-root-port"). */
  readonly how: string;
  /** QEMU arguments that make the slot (none where the root bus hot-plugs). */
  args(facts: SlotBuildFacts): string[];
  /** The device's place: its -device bus (absent: the root bus) and addr. */
  readonly at: { readonly bus?: string; readonly addr: string };
  /** The device's address once the slot is set up. */
  readonly bdf: Bdf;
  /** The slot on a started QEMU. */
  open(qtest: QtestClient, cfg: ConfigAccess): HotplugSlot;
}

export interface HotplugSlot {
  /** Firmware's part, once per boot: the windows the device's BARs go in (undefined: the root bus's own). */
  setUp(): Promise<BridgeWindows | undefined>;
  /** Why the machine's hot-plug does not offer the slot's device as removable (a guest would not eject it), or undefined where it does. */
  notRemovable(): Promise<string | undefined>;
  /** The guest's side of an unplug QEMU was asked for (device_del): returns once the guest let the device go. */
  release(timeoutMs: number): Promise<void>;
  /** The guest's side of a plug (device_add): returns once the device is powered and should answer. */
  accept(timeoutMs: number): Promise<void>;
  /** Secondary Bus Reset of the bridge above the device; absent where there is none. */
  readonly secondaryBusReset?: () => Promise<void>;
}
