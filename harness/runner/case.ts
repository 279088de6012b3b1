/**
 * How a suite declares its cases: a title, the catalog ids it pins, what it
 * needs from the device, and a body that works on a Dut and records evidence.
 */
import type { DevicePlugin } from '../devices/device-plugin.js';
import type { CatalogId } from '../expect/catalog.js';
import type { QemuBuild } from '../builds/qemu-build.js';
import type { HostSnapshot } from '../host/host-snapshot.js';
import type { Dut, DutOptions } from './dut.js';
import type { Evidence } from './evidence.js';

/** The host side of a passed-through device: what the host kernel did, read from the real host. */
export interface HostSide {
  readonly bdf: string;
  readonly kernel: string;
  /** VFIO_IRQ_INFO_NORESIZE for MSI-X, read from vfio (false: vectors can be added one at a time). */
  readonly noresize: boolean;
  snapshot(): Promise<HostSnapshot>;
}

export interface CaseContext {
  readonly dut: Dut;
  /** Present in suites run on a passed-through device. */
  readonly host?: HostSide;
  readonly ev: Evidence;
  readonly build: QemuBuild;
  readonly device: DevicePlugin;
}

export interface Target {
  readonly build: QemuBuild;
  readonly device: DevicePlugin;
  readonly host?: Omit<HostSide, 'snapshot'>;
}

export interface CaseSpec {
  /** Short stable name, used in the case id. */
  readonly slug: string;
  readonly title: string;
  readonly pins: readonly CatalogId[];
  /** Why this case cannot run on the target, if it cannot (reported as a skip). */
  readonly unsupported?: (t: Target) => string | undefined;
  readonly dut?: Omit<DutOptions, 'passthrough'> & { readonly vfioProps?: string };
  readonly body: (ctx: CaseContext) => Promise<void>;
}

export interface SuiteSpec {
  readonly name: string;
  /** 'emulated': QEMU's own devices; 'vfio': a host device passed through. */
  readonly kind: 'emulated' | 'vfio';
  readonly cases: readonly CaseSpec[];
}
