/**
 * Flakes, measured: the emulated suite rerun 20 times and the vfio suite 5
 * times in one box (one boot, the runs back to back inside), on one build;
 * any case whose outcome changed between reruns is reported. Goal: none.
 */
import type { QemuBuild } from '../harness/builds/qemu-build.js';
import { e1000e } from '../harness/devices/e1000e.js';
import type { CaseResult } from '../harness/results/run-report.js';
import { runSuites } from '../harness/runner/run-suite.js';
import { runVfioInBox } from '../harness/runner/vfio-in-box.js';
import { emulatedSuite } from '../suites/emulated/msix-core-rules.js';
import { vfioSuite } from '../suites/vfio/host-tracks-guest.js';
import { emulatedDevicePlugins } from '../harness/devices/index.js';

const EMULATED_RUNS = 20;
const VFIO_RUNS = 5;

/** Case ids whose outcome was not the same in every run, with the outcomes seen. */
function changed(results: readonly CaseResult[]): string[] {
  const seen = new Map<string, Set<string>>();
  for (const r of results) {
    const k = `${r.id} [${r.qemu.label}]`;
    seen.set(k, (seen.get(k) ?? new Set()).add(r.outcome));
  }
  return [...seen].filter(([, o]) => o.size > 1).map(([k, o]) => `${k}: ${[...o].join(' / ')}`);
}

export async function benchFlakes(build: QemuBuild, kernel = '6.12'): Promise<void> {
  const progress = (m: string) => process.stderr.write(`${m}\n`);
  const emulated: CaseResult[] = [];
  for (let i = 0; i < EMULATED_RUNS; i++) emulated.push(...(await runSuites({ suites: [emulatedSuite], builds: [build], devices: emulatedDevicePlugins })));
  // One box, the suite's case list repeated: the builds list names the build once per run.
  const r = await runVfioInBox({ suite: vfioSuite, builds: Array.from({ length: VFIO_RUNS }, () => build), kernels: [kernel], device: e1000e, progress, onLine: () => undefined });
  const flakyE = changed(emulated);
  const flakyV = changed(r.cases);
  console.log(`\nflakes (QEMU ${build.label})`);
  console.log(`  emulated suite x ${EMULATED_RUNS}: ${emulated.length} case runs, ${flakyE.length} cases changed outcome${flakyE.length ? `: ${flakyE.join('; ')}` : ''} (goal 0: ${flakyE.length ? 'BELOW GOAL' : 'meets goal'})`);
  console.log(`  vfio suite x ${VFIO_RUNS} in one box (kernel ${kernel}): ${r.cases.length} case runs, ${flakyV.length} cases changed outcome${flakyV.length ? `: ${flakyV.join('; ')}` : ''} (goal 0: ${flakyV.length ? 'BELOW GOAL' : 'meets goal'})`);
}
