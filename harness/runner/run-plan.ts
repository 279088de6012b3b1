/**
 * Running suites for `run`, `compare` and a bisect step: emulated suites
 * here, vfio suites on the named host device or, with none named, in the box
 * once per kernel with every build in it. Sharding picks combinations
 * before anything boots.
 */
import os from 'node:os';
import type { QemuBuild } from '../builds/qemu-build.js';
import type { DevicePlugin } from '../devices/device-plugin.js';
import { devicePlugin, emulatedDevicePlugins } from '../devices/index.js';
import { summarize, type CaseResult, type RunReport } from '../results/run-report.js';
import { toolVersion } from '../results/tool-version.js';
import type { CaseSpec, SuiteSpec } from '../case/case.js';
import { casePredicate, type CaseFilter } from './case-filter.js';
import { caseIdText, type CaseId } from '../case-id.js';
import type { HostDeviceUnderTest } from './host-device-under-test.js';
import { buildRef, runSuites } from './run-suite.js';
import { inShard, type Shard } from './shard.js';
import type { Census } from '../results/census.js';
import type { MachineType } from '../qemu/machine.js';
import { EnvironmentError } from '../errors.js';
import { isKvm } from '../qemu/launch.js';
import { DEFAULT_MACHINE } from '../case-id.js';
import { checkKvmHere } from './run-accel.js';
import { resolveKernelSeries } from '../box/kernel.js';
import { devicesOffered } from './device-census.js';
import { runVfioInBox } from './vfio-in-box.js';

/** `--device all`: every MSI-X device the builds offer, plugin or not (device-census.ts). */
export const ALL_DEVICES = 'all';

/** The box's devices the vfio suite runs on there by default. */
export const DEFAULT_BOX_DEVICES = ['e1000e'] as const;
export const DEFAULT_KERNELS = ['6.12'] as const;

export interface PlanArgs {
  readonly suites: readonly SuiteSpec[];
  readonly builds: readonly QemuBuild[];
  /** Device plugin names for emulated suites (default all). */
  readonly devices?: readonly string[];
  /** Which cases (the CLI's --grep, bisect's one id). */
  readonly filter?: CaseFilter;
  /** Set: vfio suites run on this device, here. */
  readonly hostDevice?: HostDeviceUnderTest;
  /** Box kernel series for vfio suites without a host device. */
  readonly kernels?: readonly string[];
  /** Box devices (plugin names: e1000e, igb, nvme) for vfio suites without a host device. */
  readonly boxDevices?: readonly string[];
  readonly shard?: Shard;
  /** Machine types for emulated suites and runs on a named host device (default q35). */
  readonly machines?: readonly MachineType[];
  /** The kernel name shard keys use here: "host", or the box series when this process runs inside a box. */
  readonly shardKernel?: string;
  readonly progress: (m: string) => void;
  /** With --device all: what each build offers, as its census found it. */
  readonly onCensus?: (build: QemuBuild, c: Census) => void;
  /** Each case's result as it ends, here or in the box. */
  readonly onResult: (r: CaseResult) => void;
  /** Other output of a run in the box (its progress), line by line. */
  readonly onBoxOutput?: (line: string) => void;
  /** Each target's cases in the order this seed gives (case-order.ts), here and in the box. */
  readonly shuffle?: number;
  /** Every case on a QEMU of its own (no QEMU kept between cases), here and in the box. */
  readonly freshQemu?: boolean;
}

export async function runPlan(a: PlanArgs): Promise<CaseResult[]> {
  const out: CaseResult[] = [];
  const here = a.shardKernel ?? 'host';
  const chosen = casePredicate(a.filter);
  const inThisShard = (id: CaseId, b: QemuBuild, kernel: string) => inShard({ caseId: caseIdText(id), build: b.spec, kernel, ...(isKvm(b.accel) ? { accel: b.accel } : {}) }, a.shard);
  const select = (c: CaseSpec, id: CaseId, b: QemuBuild) => chosen(id, c.title) && inThisShard(id, b, here);
  const filter = { ...(a.filter ? { filter: a.filter } : {}), ...(a.shuffle !== undefined ? { shuffle: a.shuffle } : {}), ...(a.freshQemu ? { freshQemu: true } : {}) };
  for (const suite of a.suites) {
    if (suite.kind === 'emulated' || a.hostDevice) {
      // An emulated suite's KVM runs go to the box (it has KVM where this machine may not); inside it, everything runs here.
      const toBox = suite.kind === 'emulated' && !a.hostDevice && !a.shardKernel ? a.builds.filter((b) => isKvm(b.accel)) : [];
      const local = a.builds.filter((b) => !toBox.includes(b));
      if (a.hostDevice) checkKvmHere(local);
      if (local.length) {
        const devices: readonly DevicePlugin[] = a.hostDevice
          ? [a.hostDevice.plugin]
          : a.devices?.includes(ALL_DEVICES)
            ? await devicesOffered(local, a.progress, a.onCensus)
            : a.devices?.length
              ? a.devices.map(devicePlugin)
              : emulatedDevicePlugins;
        const h = a.hostDevice?.host;
        out.push(...(await runSuites({ suites: [suite], builds: local, devices, select, onResult: a.onResult, ...(a.shuffle !== undefined ? { shuffle: a.shuffle } : {}), ...(a.freshQemu ? { freshQemu: true } : {}), ...(a.machines ? { machines: a.machines } : {}), ...(h ? { hostDevice: { bdf: h.bdf, kernel: h.kernel, noresize: h.noresize, intx: h.intx } } : {}) })));
      }
      if (toBox.length) {
        const kernels = await Promise.all((a.kernels?.length ? a.kernels : DEFAULT_KERNELS).map((k) => resolveKernelSeries(k, a.progress)));
        const r = await runVfioInBox({ suite, builds: toBox, kernels: [...new Set(kernels)], device: devicePlugin(DEFAULT_BOX_DEVICES[0]), emulated: { devices: a.devices ?? [], ...(a.machines ? { machines: a.machines } : {}) }, ...filter, ...(a.shard ? { shard: a.shard } : {}), progress: a.progress, onResult: a.onResult, onLine: a.onBoxOutput ?? (() => undefined) });
        out.push(...r.cases);
      }
      continue;
    }
    if (a.machines?.some((m) => m !== DEFAULT_MACHINE)) throw new EnvironmentError(`the vfio suite in the box runs on ${DEFAULT_MACHINE} only`, `drop --machine, or pass a host device through with --host-device`);
    // In the box: one boot per device and kernel, only those this shard has combinations on.
    const named = await Promise.all((a.kernels?.length ? a.kernels : DEFAULT_KERNELS).map((k) => resolveKernelSeries(k, a.progress)));
    for (const device of (a.boxDevices?.length ? a.boxDevices : DEFAULT_BOX_DEVICES).map(devicePlugin)) {
      const wanted = (kernel: string) =>
        suite.cases.some((c) => {
          const id: CaseId = { suite: suite.name, device: device.name, slug: c.slug };
          return chosen(id, c.title) && a.builds.some((b) => inThisShard(id, b, kernel));
        });
      const kernels = [...new Set(named)].filter(wanted);
      if (!kernels.length) continue;
      const r = await runVfioInBox({
        suite,
        builds: a.builds,
        kernels,
        device,
        ...filter,
        ...(a.shard ? { shard: a.shard } : {}),
        progress: a.progress,
        onResult: a.onResult,
        onLine: a.onBoxOutput ?? (() => undefined),
      });
      out.push(...r.cases);
    }
  }
  return out;
}

/** The report of a run: the tool, the host, the builds and every case. */
export function runReport(started: Date, builds: readonly QemuBuild[], cases: CaseResult[], census?: Readonly<Record<string, Census>>): RunReport {
  return {
    ...(census && Object.keys(census).length ? { census } : {}),
    tool: { name: 'msix-harness', version: toolVersion() },
    startedAt: started.toISOString(),
    durationMs: Date.now() - started.getTime(),
    host: { kernel: os.release(), node: process.version, cpus: os.cpus().length },
    builds: builds.map(buildRef),
    cases,
    summary: summarize(cases),
  };
}
