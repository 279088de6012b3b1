/**
 * Where the time goes (`--only time`): per build, a vfio case in the box and
 * an emulated case here split into their parts (QEMU start to ready, qtest
 * and QMP traffic, host reads, waits, shutdown, the harness's own work:
 * harness/time-ledger.ts), as the mean per case that ran; and the box split
 * into its boot stages, the in-box runner's start and the time between
 * cases. The same table before and after a change says what it cut.
 */
import type { QemuBuild } from '../harness/builds/qemu-build.js';
import type { CaseResult } from '../harness/results/run-report.js';
import { PARTS, addParts, type TimeParts } from '../harness/time-ledger.js';
import { runVfioInBox } from '../harness/runner/vfio-in-box.js';
import { runSuites } from '../harness/runner/run-suite.js';
import { devicePlugin } from '../harness/devices/index.js';
import { vfioSuite } from '../suites/vfio/host-tracks-guest.js';
import { emulatedSuite } from '../suites/emulated/msix-core-rules.js';

const median = (xs: readonly number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

interface Split {
  readonly cases: number;
  readonly median: number;
  /** Mean per case of each part. */
  readonly mean: TimeParts;
}

function split(results: readonly CaseResult[]): Split {
  const ran = results.filter((c) => c.outcome !== 'skipped' && c.time);
  let sum: TimeParts | undefined;
  for (const c of ran) sum = addParts(sum, c.time!);
  const mean = Object.fromEntries(PARTS.map((p) => [p, Math.round((sum?.[p] ?? 0) / Math.max(1, ran.length))])) as TimeParts;
  return { cases: ran.length, median: median(ran.map((c) => c.durationMs)), mean };
}

const pad = (s: string | number, n: number) => String(s).padStart(n);

export async function benchTime(builds: readonly QemuBuild[], kernel = '6.12', emulatedDevice = 'e1000e'): Promise<void> {
  const progress = (m: string) => process.stderr.write(`${m}\n`);
  console.log(`\nwhere the time goes (box kernel ${kernel}, e1000e passed through; emulated ${emulatedDevice} here; mean ms per case that ran)`);
  for (const build of builds) {
    const box = await runVfioInBox({ suite: vfioSuite, builds: [build], kernels: [kernel], device: devicePlugin('e1000e'), progress, onLine: () => undefined });
    const emu = await runSuites({ suites: [emulatedSuite], builds: [build], devices: [devicePlugin(emulatedDevice)] });
    const v = split(box.cases);
    const e = split(emu);
    console.log(`  QEMU ${build.label}`);
    console.log(`    ${'part'.padEnd(12)} ${pad('vfio (box)', 11)} ${pad('emulated', 9)}`);
    for (const p of PARTS) console.log(`    ${p.padEnd(12)} ${pad(v.mean[p], 11)} ${pad(e.mean[p], 9)}`);
    console.log(`    ${'median case'.padEnd(12)} ${pad(v.median, 11)} ${pad(e.median, 9)}   (${v.cases} and ${e.cases} cases)`);
    const b = box.boxes[0]!;
    const inCases = box.cases.reduce((s, c) => s + c.durationMs, 0);
    const runner = b.runnerStartMs ?? 0;
    console.log(`    box: boot ${b.bootMs} ms = ${b.stages.map((s) => `${s.stage} ${s.ms}`).join(' + ')}; in-box runner start ${runner} ms; cases ${inCases} ms; between cases ${Math.max(0, b.suiteMs - runner - inCases)} ms (suite ${b.suiteMs} ms)`);
  }
}
