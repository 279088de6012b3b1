/**
 * The vfio suite with no host device named: run it inside the nested vfio
 * host (one boot per kernel, every build in each) with in-box-main.ts on
 * the box's device, and collect each case's result as it ends. The builds
 * are probed here and handed over, so nothing is probed again under TCG.
 */
import { fileURLToPath } from 'node:url';
import { runInBox, type BootStage } from '../box/box.js';
import { serializeBuilds, type QemuBuild } from '../builds/qemu-build.js';
import { EnvironmentError } from '../errors.js';
import type { CaseResult } from '../results/run-report.js';
import type { DevicePlugin } from '../devices/device-plugin.js';
import type { SuiteSpec } from '../case/case.js';
import { boxDeviceFor } from './box-device-under-test.js';
import { InBoxReader, jobEnv } from './in-box-protocol.js';
import type { Shard } from './shard.js';
import type { CaseFilter } from './case-filter.js';
import { pluginRef } from '../devices/plugin-ref.js';
import { suiteRef } from './suite-ref.js';
import { wantsKvm } from './run-accel.js';

export interface BoxRun {
  readonly suite: SuiteSpec;
  readonly builds: readonly QemuBuild[];
  readonly kernels: readonly string[];
  /** The device plugin of the box's device (the box has e1000e, igb and nvme). */
  readonly device: DevicePlugin;
  readonly filter?: CaseFilter;
  readonly shard?: Shard;
  /** The seed of the cases' order (case-order.ts). */
  readonly shuffle?: number;
  /** Every case on a QEMU of its own. */
  readonly freshQemu?: boolean;
  /** An emulated suite brought here for the box's KVM: its device plugins (and machine types); `device` only boots the box. */
  readonly emulated?: { readonly devices: readonly string[]; readonly machines?: readonly string[] };
  readonly progress: (m: string) => void;
  readonly onResult?: (r: CaseResult) => void;
  /** Every other line the run inside prints. */
  readonly onLine: (line: string) => void;
}

export interface BoxRunResult {
  readonly cases: CaseResult[];
  /** Per kernel: outer QEMU start to the suite starting, and the suite's own time inside. */
  readonly boxes: { readonly kernel: string; readonly bootMs: number; readonly suiteMs: number; readonly stages: readonly BootStage[]; readonly runnerStartMs?: number }[];
}

const IN_BOX_MAIN = fileURLToPath(new URL('./in-box-main.js', import.meta.url));

export async function runVfioInBox(o: BoxRun): Promise<BoxRunResult> {
  const cases: CaseResult[] = [];
  const boxes: BoxRunResult['boxes'] = [];
  for (const kernel of o.kernels) {
    o.progress(o.emulated ? `${o.suite.name} suite under KVM: running in the box (kernel ${kernel}), which loads KVM` : `${o.suite.name} suite: no --host-device, running in the box (kernel ${kernel}, ${o.device.name} on vfio-pci)`);
    const mine: CaseResult[] = [];
    const reader = new InBoxReader((r) => {
      mine.push(r);
      o.onResult?.(r);
    }, o.onLine);
    const job = jobEnv({ suite: suiteRef(o.suite), builds: serializeBuilds(o.builds), device: await pluginRef(o.device), ...(o.filter ? { filter: o.filter } : {}), ...(o.shard ? { shard: o.shard } : {}), ...(o.shuffle !== undefined ? { shuffle: o.shuffle } : {}), ...(o.freshQemu ? { freshQemu: true } : {}), shardKernel: kernel, ...(o.emulated ? { emulatedDevices: o.emulated.devices, ...(o.emulated.machines ? { machines: o.emulated.machines } : {}) } : {}) });
    const r = await runInBox({ kernel, ...boxDeviceFor(o.device), ...(wantsKvm(o.builds) ? { kvm: true } : {}), command: [process.execPath, IN_BOX_MAIN], env: job, timeoutMs: 30 * 60_000, progress: o.progress, onOutput: (l) => reader.line(l) });
    if (r.exitCode !== 0 && !mine.length) throw new EnvironmentError(`the ${o.suite.name} suite in the box (kernel ${kernel}) ended with exit code ${r.exitCode} and no result`, 'see the output above; run `msix-harness box -- …` to investigate');
    o.progress(`box (kernel ${kernel}): boot ${r.bootMs} ms, suite ${r.commandMs} ms`);
    cases.push(...mine);
    boxes.push({ kernel, bootMs: r.bootMs, suiteMs: r.commandMs, stages: r.stages, ...(reader.runnerStartMs !== undefined ? { runnerStartMs: reader.runnerStartMs } : {}) });
  }
  return { cases, boxes };
}
