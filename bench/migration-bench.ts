/**
 * A migration case against plain emulated cases on the same build and
 * device, in one run (goal: at most 2 x): the emulated suite's cases on
 * e1000e, several rounds, medians.
 */
import type { QemuBuild } from '../harness/builds/qemu-build.js';
import { e1000e } from '../harness/devices/e1000e.js';
import { runSuites } from '../harness/runner/run-suite.js';
import { emulatedSuite } from '../suites/emulated/msix-core-rules.js';

const ROUNDS = 5;
const median = (xs: readonly number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

export async function benchMigration(build: QemuBuild): Promise<void> {
  const migration: number[] = [];
  const plain: number[] = [];
  for (let i = 0; i < ROUNDS; i++) {
    for (const r of await runSuites({ suites: [emulatedSuite], builds: [build], devices: [e1000e] })) {
      if (r.outcome !== 'passed') continue;
      (r.id.endsWith('.migration-keeps-msix-state') ? migration : plain).push(r.durationMs);
    }
  }
  const ratio = median(migration) / median(plain);
  console.log(`\nmigration case (QEMU ${build.label}, e1000e, ${ROUNDS} rounds)`);
  console.log(`  median migration case ${median(migration)} ms, median plain case ${median(plain)} ms: ${ratio.toFixed(2)} x (goal <= 2: ${ratio <= 2 ? 'meets goal' : 'BELOW GOAL'})`);
}
