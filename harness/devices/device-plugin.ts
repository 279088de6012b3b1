/**
 * What a device plugin is: how QEMU instantiates the device, how to quiesce
 * it, and how to make it signal vector N. All device knowledge lives in the
 * plugins; cases never touch device registers.
 */
import type { PciFunction } from '../pci/pci-function.js';
import type { QmpClient } from '../protocol/qmp-client.js';
import type { GuestRam } from '../guest-ram.js';

/** The box's facts of a device: which outer QEMU models it, and which Linux driver takes it there. */
export interface BoxFacts {
  /** The Debian QEMU build (debian:<suite>) that models the device in the box: a named build, never the machine's own. */
  readonly outerQemu: string;
  /** Why that build, when it matters (a model bug in another one). */
  readonly why: string;
  /** The Linux driver module that takes the device inside the box when it is left on its own driver (box --host-driver, a PF for VFs). */
  readonly linuxDriver: string;
}

/** What a plugin may use: the device's placed PCI function and QEMU's monitor. */
export interface DeviceHandle {
  readonly fn: PciFunction;
  readonly qmp: QmpClient;
  /** The -device id, for QMP commands that name the device. */
  readonly qemuId: string;
  /** Guest RAM for the plugin's rings and queues: take it here, never pick addresses. */
  readonly ram: GuestRam;
  /** Let `ns` of virtual time pass, for device models that work from virtual-clock timers; absent where this machine's clock cannot run. */
  readonly runClock?: (ns: number) => Promise<void>;
}

export type InterruptMode = 'msix' | 'msi';

/**
 * One device's driver, made by its plugin: whatever state the plugin keeps
 * for the device (a controller it set up, a link state) lives in here and
 * goes away with it.
 */
export interface DeviceDriver {
  /** Bring the device's interrupt logic to a quiet known state (no cause pending, no timers). */
  reset(): Promise<void>;
  /**
   * Make the device signal `vector` once through whichever interrupt mode the
   * guest enabled. Guarantee: one cause raised, so a correct device model
   * sends one message. The device under test has checked the vector is in
   * 0..msixVectors-1.
   */
  fire(vector: number): Promise<void>;
  /**
   * Optional, for devices with interrupt moderation: leave an interrupt
   * cause held back by a delay timer (which never runs out while the CPUs
   * are stopped), in whichever interrupt mode is on.
   */
  holdCause?(): Promise<void>;
  /** Optional, with holdCause: raise one more cause at once, with no reset or timer flush first. */
  raiseCause?(): Promise<void>;
  /**
   * Optional, for devices whose own work names an interrupt vector (nvme: a
   * completion queue's IV): ask the device to use the vector one past its
   * MSI-X table, as a guest may, and say what it answered.
   */
  nameVectorBeyondTable?(): Promise<BeyondTableAnswer>;
  /**
   * Optional, for devices whose work is told which vector to use (virtio:
   * a queue's or the configuration's vector): raise one cause with the
   * device told to use no vector (VIRTIO_MSI_NO_VECTOR), as a guest may.
   * A correct device sends no message for it.
   */
  fireWithoutVector?(): Promise<string>;
  /**
   * Optional, for devices whose queues are each told their own vector
   * (virtio): set one queue up with `vector` (undefined: no vector, as
   * VIRTIO_MSI_NO_VECTOR), complete one piece of work on it, and say what.
   * A correct device sends exactly one message on that vector, none on the
   * others (none at all for no vector).
   */
  queueWork?(vector: number | undefined): Promise<string>;
  /**
   * Optional, with queueWork: set one queue up with vector `from`, make one
   * piece of work available on it, point the queue at vector `to` while it
   * has that work, then let the device do it; say what. A correct device
   * signals the vector the queue has when it signals: one message on `to`,
   * none on `from`.
   */
  retargetQueueWork?(from: number, to: number): Promise<string>;
  /**
   * Optional, for devices whose queues each signal one vector (nvme: an I/O
   * CQ): delete the queues that signal `vector`, as a driver tears a queue
   * down, and say what was deleted. The next fire(vector) sets them up again.
   */
  deleteQueuesOf?(vector: number): Promise<string>;
  /**
   * Optional, for devices with submission queues (nvme): fill the queue
   * whose completions signal `vector` (every free entry, one doorbell
   * write), wait until every command has completed and consume the
   * completions as a driver does; say what and how many.
   */
  fillQueue?(vector: number): Promise<{ readonly what: string; readonly completions: number }>;
  /**
   * Optional, for devices whose interrupt sources the guest enables in the
   * device itself (xhci: each interrupter's IMAN.IE): set the device up and
   * enable every source now, while MSI-X may still be off, and leave them
   * so; fire() then enables nothing more. Says what was done. Neither the
   * PCI nor the device's specification orders this against MSI-X Enable.
   */
  sourcesBeforeMsix?(): Promise<string>;
  /** Optional, for an SR-IOV PF: the PF's own setup without which its VFs cannot signal (igb: the PF in MSI-X mode). */
  prepareVfs?(): Promise<void>;
}

/** How QEMU gives an SR-IOV PF its VFs, and which plugin drives one. */
export interface SriovFacts {
  /** -device properties, besides deviceProps, that give the device VFs; absent where it always has them. */
  readonly props?: string;
  /** Other -device values the PF needs beside it (nvme: the subsystem SR-IOV asks for), each with its id. */
  readonly companions?: readonly string[];
  /** The plugin that makes one VF signal a vector; absent: VF tables are programmed and read back, never fired. */
  readonly vfPlugin?: string;
}

/** What a device answered when its work named a vector past its table. */
export interface BeyondTableAnswer {
  /** What was asked, in the device's terms ("Create I/O Completion Queue 1 with vector 65"). */
  readonly asked: string;
  /** Whether the device refused with an error, as it must. */
  readonly refused: boolean;
  /** The device's own answer (a status code), for the evidence. */
  readonly answer: string;
}

export interface DevicePlugin {
  readonly name: string;
  /** QEMU -device driver; builds without it skip the device's cases. */
  readonly driver: string;
  /** PCI vendor:device ids, to recognise the device when it is passed through. */
  readonly pciIds: readonly (readonly [vendor: number, device: number])[];
  /** Interrupt modes the driver's fire() can drive (MSI fires vector 0 only). */
  readonly interruptModes: readonly InterruptMode[];
  /** MSI-X table size (as the plugin's deviceProps configure the device). */
  readonly msixVectors: number;
  /** The BAR that holds the device's own MSI-X table (on the physical device, for passthrough). */
  readonly msixTableBar: number;
  /** A BAR the device leaves unused, where vfio-pci can relocate the MSI-X table (x-msix-relocation); none: undefined. */
  readonly freeBar?: number;
  /** Whether the driver can hold a cause back and raise another (holdCause, raiseCause): devices with interrupt moderation. */
  readonly interruptModeration?: boolean;
  /** A device found in the build that no plugin knows (contract-device.ts): only the cases that fire nothing apply. */
  readonly contractOnly?: boolean;
  /**
   * The emulated device is the same hot-plugged behind a root port as
   * cold-plugged on q35's root bus, so its cases may run on a kept QEMU
   * (case/dut-pooled.ts). Not virtio's: behind a port it becomes PCI
   * Express, with Function Level Reset.
   */
  readonly hotplugsAlike?: boolean;
  /** For such a device: the builds (by SHA-256) whose census found no MSI-X on it, with what it found instead. */
  readonly notOn?: ReadonlyMap<string, string>;
  /** For an SR-IOV VF: its PF's plugin name. A VF exists only through its PF, so it is passed through, never emulated on its own. */
  readonly sriovPf?: string;
  /** For an SR-IOV PF: how QEMU gives it VFs (the SR-IOV cases run on these). */
  readonly sriov?: SriovFacts;
  /** Whether the device advertises Function Level Reset (PCI Express Device Capabilities). */
  readonly flr?: boolean;
  /** False for devices QEMU refuses to migrate (they block a migration). */
  readonly migratable?: boolean;
  /**
   * -device properties besides id and addr, as the plugin needs the device
   * (its MSI-X table size, no option ROM); the same in the QEMU under test
   * and, for a device passed through in the box, in the box's outer QEMU.
   * The -device line itself is built once, by devices/device-line.ts.
   */
  readonly deviceProps?: string;
  /**
   * -device values for devices on this device's own bus (xhci: a USB
   * keyboard), without bus=: added after it wherever it is added (command
   * line and hot-plug), on bus <id>.0.
   */
  readonly children?: readonly string[];
  /** For a plugin from outside the harness (a test's, a user's): its module's import.meta.url, so a run in the box can load it. */
  readonly module?: string;
  /** How the box (the nested vfio host) models this device; absent: it is no box device (a VF is made on its PF's). */
  readonly box?: BoxFacts;
  /** The driver for one placed device. */
  attach(dev: DeviceHandle): DeviceDriver;
}
