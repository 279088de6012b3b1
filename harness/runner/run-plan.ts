/**
 * Running suites for `run` and `compare`: emulated suites here, vfio suites
 * on the named host device or, with none named, in the box once per kernel
 * with every build in it. Sharding picks combinations before anything boots.
 */
import { resolveKernelSeries } from '../box/kernel.js';
import type { DevicePlugin } from '../devices/device-plugin.js';
import { devicePlugin, devicePlugins } from '../devices/index.js';
import type { PassthroughDevice } from '../host/passthrough-device.js';
import { comboKey, inShard, type Shard, shardText } from './shard.js';
import type { QemuBuild } from '../builds/qemu-build.js';
import type { CaseResult } from '../results/run-report.js';
import type { SuiteSpec } from './case.js';
import { runSuites } from './run-suite.js';
import { runVfioInBox } from './vfio-in-box.js';

/** The box's device: the one plugin the vfio suite runs on there. */
const BOX_DEVICE = 'e1000e';
export const DEFAULT_KERNELS = ['6.12'] as const;

export interface CollectArgs {
  readonly suites: readonly SuiteSpec[];
  readonly builds: readonly QemuBuild[];
  /** Device plugin names for emulated suites (default all). */
  readonly devices?: readonly string[];
  readonly grep?: string;
  /** Set: vfio suites run on this device, here. */
  readonly passthrough?: PassthroughDevice;
  /** Box kernel series for vfio suites without a host device. */
  readonly kernels?: readonly string[];
  readonly shard?: Shard;
  /** The kernel name shard keys use here: "host", or the box series when this process runs inside a box. */
  readonly shardKernel?: string;
  readonly progress: (m: string) => void;
  readonly onCase: (line: string) => void;
  readonly caseLine: (r: CaseResult) => string;
}

export async function collectResults(a: CollectArgs): Promise<CaseResult[]> {
  const out: CaseResult[] = [];
  const here = a.shardKernel ?? 'host';
  const select = (id: string, b: QemuBuild) => inShard(comboKey(id, b.spec, here), a.shard);
  const onResult = (r: CaseResult) => a.onCase(a.caseLine(r));
  const grep = a.grep ? { grep: a.grep } : {};
  for (const suite of a.suites) {
    if (suite.kind === 'emulated' || a.passthrough) {
      const devices: readonly DevicePlugin[] = a.passthrough ? [a.passthrough.plugin] : a.devices?.length ? a.devices.map(devicePlugin) : devicePlugins;
      const p = a.passthrough;
      out.push(...(await runSuites({ suites: [suite], builds: a.builds, devices, ...grep, select, onResult, ...(p ? { passthrough: { bdf: p.bdf, kernel: p.kernel, noresize: p.noresize } } : {}) })));
      continue;
    }
    // In the box: boot only the kernels this shard has combinations on.
    const grepRe = a.grep ? new RegExp(a.grep) : undefined;
    const wanted = (kernel: string) =>
      suite.cases.some((c) => {
        const id = `${suite.name}.${BOX_DEVICE}.${c.slug}`;
        return (!grepRe || grepRe.test(`${id} ${c.title}`)) && a.builds.some((b) => inShard(comboKey(id, b.spec, kernel), a.shard));
      });
    const named = await Promise.all((a.kernels?.length ? a.kernels : DEFAULT_KERNELS).map((k) => resolveKernelSeries(k, a.progress)));
    const kernels = [...new Set(named)].filter(wanted);
    if (!kernels.length) continue;
    const r = await runVfioInBox({
      suite: suite.name,
      builds: a.builds,
      kernels,
      device: BOX_DEVICE,
      ...grep,
      extraArgs: (kernel) => (a.shard ? ['--shard', shardText(a.shard), '--shard-kernel', kernel] : []),
      progress: a.progress,
      onLine: a.onCase,
    });
    out.push(...r.cases);
  }
  return out;
}
