/**
 * The nested vfio host's speed: boot to command start (median of a few
 * boots), then the whole vfio suite for one build in one box: the suite's
 * wall time inside the box and the median case. Goals on a 2-core TCG
 * machine: boot <= 4 s, median case <= 2 s, suite <= 90 s per build.
 */
import { provisionBox, runInBox } from '../harness/box/box.js';
import { runVfioInBox } from '../harness/runner/vfio-in-box.js';
import type { QemuBuild } from '../harness/builds/qemu-build.js';
import { vfioSuite } from '../suites/vfio/host-tracks-guest.js';
import { e1000e } from '../harness/devices/e1000e.js';
import { boxHardwareNamed } from '../harness/runner/box-device-under-test.js';

const BOOTS = 3;

const median = (xs: readonly number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const verdict = (ok: boolean) => (ok ? 'meets goal' : 'BELOW GOAL');

export async function benchBox(builds: readonly QemuBuild[], grep?: string, kernel = '6.12'): Promise<void> {
  const progress = (m: string) => process.stderr.write(`${m}\n`);
  await provisionBox(kernel, boxHardwareNamed('e1000e'), progress);
  const boots: number[] = [];
  for (let i = 0; i < BOOTS; i++) boots.push((await runInBox({ kernel, device: boxHardwareNamed('e1000e'), command: ['true'], timeoutMs: 120_000 })).bootMs);
  console.log(`\nbox (kernel ${kernel}, e1000e on vfio-pci)`);
  console.log(`  boot to command start (median of ${BOOTS}): ${median(boots)} ms [${boots.join(', ')}] (goal <= 4000: ${verdict(median(boots) <= 4000)})`);
  for (const build of builds) {
    const r = await runVfioInBox({ suite: vfioSuite, builds: [build], kernels: [kernel], device: e1000e, ...(grep ? { grep } : {}), progress, onLine: () => undefined });
    const times = r.cases.map((c) => c.durationMs);
    const failed = r.cases.filter((c) => c.outcome === 'failed').length;
    const box = r.boxes[0]!;
    console.log(`  vfio suite, QEMU ${build.label}: ${r.cases.length} cases${failed ? ` (${failed} FAILED)` : ''}`);
    console.log(`    median case ${median(times)} ms, slowest ${Math.max(...times)} ms (goal <= 2000: ${verdict(median(times) <= 2000)})`);
    console.log(`    suite inside the box ${box.suiteMs} ms, plus boot ${box.bootMs} ms (goal <= 90000: ${verdict(box.suiteMs + box.bootMs <= 90_000)})`);
  }
}
