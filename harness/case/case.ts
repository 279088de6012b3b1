/**
 * How a suite declares its cases: a title, the catalog ids it pins, what it
 * needs from the device, and a body that works on a Dut and records
 * evidence. A vfio case gets the host view as well, always.
 */
import type { DevicePlugin } from '../devices/device-plugin.js';
import type { CatalogId } from '../expect/catalog.js';
import type { QemuBuild } from '../builds/qemu-build.js';
import { isKvm } from '../qemu/launch.js';
import type { MachineType } from '../qemu/machine.js';
import type { Dut, DutOptions } from './dut.js';
import type { Evidence } from './evidence.js';
import type { SymptomLabel } from '../expect/symptoms.js';
import type { HostDeviceFacts, HostView } from './host-view.js';

/** For a case's skipReason: why it needs KVM, where the run is not under KVM (--accel kvm). */
export function needsKvm(build: QemuBuild): string | undefined {
  return isKvm(build.accel) ? undefined : `it observes the KVM irqfd path: run with --accel kvm or both (this run: ${build.accel})`;
}

export { NotApplicable } from '../errors.js';

export interface CaseContext {
  readonly dut: Dut;
  readonly ev: Evidence;
  readonly build: QemuBuild;
  readonly device: DevicePlugin;
}

export interface VfioCaseContext extends CaseContext {
  readonly host: HostView;
}

/** What a case runs on, as skipReason sees it before anything starts. */
export interface Target {
  readonly build: QemuBuild;
  readonly device: DevicePlugin;
  /** The machine type the device under test is on. */
  readonly machine: MachineType;
  readonly host?: HostDeviceFacts;
}

/** What the case asks of its device under test; a function when it depends on the device (a free BAR, say). */
type CaseDutOptions = Omit<DutOptions, 'machine' | 'hostDevice' | 'deliveryTimeoutMs' | 'migrateTo' | 'machineVersion'> & { readonly vfioProps?: string };
export type CaseDut = CaseDutOptions | ((device: DevicePlugin) => CaseDutOptions);

interface CaseBase {
  /** Short stable name, used in the case id. */
  readonly slug: string;
  readonly title: string;
  readonly pins: readonly CatalogId[];
  /** Why this case cannot run on the target, if it cannot (reported as a skip). */
  readonly skipReason?: (t: Target) => string | undefined;
  readonly dut?: CaseDut;
  /** Part of the device-independent contract: it runs on every MSI-X device the build offers, plugin or not, and fires only where a plugin makes the device fire. */
  readonly contract?: boolean;
  /** Symptom labels (SYMPTOMS) the case records through shared helpers rather than in its body: the known-bug registry's test reads both. */
  readonly records?: readonly SymptomLabel[];
  /** The case migrates its device under test (dut.migrate()): compare --migrate runs these, source x destination. */
  readonly migrates?: boolean;
}

export interface EmulatedCase extends CaseBase {
  readonly body: (ctx: CaseContext) => Promise<void>;
}

export interface VfioCase extends CaseBase {
  readonly body: (ctx: VfioCaseContext) => Promise<void>;
}

interface SuiteBase {
  readonly name: string;
  /**
   * The module that exports the suite (its import.meta.url), so that a run
   * in another process (the box, a bisect step) can load it by itself.
   */
  readonly module: string;
}

/** 'emulated': QEMU's own devices; 'vfio': a host device passed through. */
export type SuiteSpec = (SuiteBase & { readonly kind: 'emulated'; readonly cases: readonly EmulatedCase[] }) | (SuiteBase & { readonly kind: 'vfio'; readonly cases: readonly VfioCase[] });

export type CaseSpec = EmulatedCase | VfioCase;
