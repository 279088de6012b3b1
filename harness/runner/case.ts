/**
 * How a suite declares its cases: a title, the catalog ids it pins, what it
 * needs from the device, and a body that works on a Dut and records evidence.
 */
import type { DevicePlugin } from '../devices/device-plugin.js';
import type { CatalogId } from '../expect/catalog.js';
import type { QemuBuild } from '../qemu/qemu-build.js';
import type { Dut, DutOptions } from './dut.js';
import type { Evidence } from './evidence.js';

export interface CaseContext {
  readonly dut: Dut;
  readonly ev: Evidence;
  readonly build: QemuBuild;
  readonly device: DevicePlugin;
}

export interface Target {
  readonly build: QemuBuild;
  readonly device: DevicePlugin;
}

export interface CaseSpec {
  /** Short stable name, used in the case id. */
  readonly slug: string;
  readonly title: string;
  readonly pins: readonly CatalogId[];
  /** Why this case cannot run on the target, if it cannot (reported as a skip). */
  readonly unsupported?: (t: Target) => string | undefined;
  readonly dut?: DutOptions;
  readonly body: (ctx: CaseContext) => Promise<void>;
}

export interface SuiteSpec {
  readonly name: string;
  readonly cases: readonly CaseSpec[];
}
