/**
 * What a device plugin is: how QEMU instantiates the device, how to quiesce
 * it, and how to make it signal vector N. All device knowledge lives in the
 * plugins; cases never touch device registers.
 */
import type { PciFunction } from '../pci/pci-function.js';
import type { QmpClient } from '../protocol/qmp-client.js';

/** What a plugin may use: the device's placed PCI function and QEMU's monitor. */
export interface DeviceHandle {
  readonly fn: PciFunction;
  readonly qmp: QmpClient;
  /** The -device id, for QMP commands that name the device. */
  readonly qemuId: string;
}

export type InterruptMode = 'msix' | 'msi';

export interface DevicePlugin {
  readonly name: string;
  /** QEMU -device driver; builds without it skip the device's cases. */
  readonly driver: string;
  /** PCI vendor:device ids, to recognise the device when it is passed through. */
  readonly pciIds: readonly (readonly [vendor: number, device: number])[];
  /** Interrupt modes fire() can drive (MSI fires vector 0 only). */
  readonly fires: readonly InterruptMode[];
  /** Arguments that add the device to QEMU's command line. */
  qemuArgs(qemuId: string, pciAddr: string): string[];
  /** Bring the device's interrupt logic to a quiet known state (no cause pending, no timers). */
  reset(dev: DeviceHandle): Promise<void>;
  /** Make the device signal `vector` once through whichever interrupt mode the guest enabled. */
  fire(dev: DeviceHandle, vector: number): Promise<void>;
  /**
   * Optional, for devices with interrupt moderation: leave an interrupt
   * cause held back by a delay timer (which never runs out while the CPUs
   * are stopped), in whichever interrupt mode is on.
   */
  holdCause?(dev: DeviceHandle): Promise<void>;
  /** Optional, with holdCause: raise one more cause at once, with no reset or timer flush first. */
  raiseCause?(dev: DeviceHandle): Promise<void>;
}
