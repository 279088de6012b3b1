/**
 * What covering every device costs (issue 21's figures), in one run:
 *   - the device-independent contract over every MSI-X device of one build,
 *     its census taken afresh (goal: at most 3 minutes on 2 cores);
 *   - compare --layout over the builds given, surveyed afresh (goal: at
 *     most 3 minutes for bullseye, bookworm, trixie and the newest);
 *   - exact counting against the mailbox (goal: at most 1.2 x per emulated
 *     case): per fire on one device under test, both fires letting the
 *     clock run past moderation (its share shown apart); and per case, the
 *     suite's median e1000e case with the extra cost of the most counted
 *     fires one case has (unmasked-delivers-once: 2 vectors x 3).
 */
import fs from 'node:fs';
import path from 'node:path';
import type { QemuBuild } from '../harness/builds/qemu-build.js';
import { versionString } from '../harness/builds/qemu-build.js';
import { cacheRoot } from '../harness/cache/cache-dir.js';
import { Dut } from '../harness/case/dut.js';
import { e1000e } from '../harness/devices/e1000e.js';
import { compareLayouts } from '../harness/matrix/layout-comparison.js';
import { devicesOffered } from '../harness/runner/device-census.js';
import { machineTypesOf, surveyLayouts } from '../harness/runner/layout-survey.js';
import { runSuites } from '../harness/runner/run-suite.js';
import { emulatedSuite } from '../suites/emulated/msix-core-rules.js';

const FIRES = 30;
/** The most fires one case counts (unmasked-delivers-once: two edge vectors, three fires each). */
const COUNTED_PER_CASE = 6;
const median = (xs: readonly number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const progress = (m: string) => process.stderr.write(`${m}\n`);
const verdict = (ok: boolean) => (ok ? 'meets goal' : 'BELOW GOAL');

/** Forget what the cache knows of these builds under `folder` (census, layout), so the figure is a first run's. */
function forget(folder: string, builds: readonly QemuBuild[]): void {
  const dir = path.join(cacheRoot(), folder);
  if (!fs.existsSync(dir)) return;
  for (const f of fs.readdirSync(dir)) if (builds.some((b) => f.startsWith(b.sha256.slice(0, 16)))) fs.rmSync(path.join(dir, f), { force: true });
}

export async function benchContract(build: QemuBuild): Promise<void> {
  forget('census', [build]);
  const t = performance.now();
  const devices = await devicesOffered([build], progress);
  const census = performance.now() - t;
  if (emulatedSuite.kind !== 'emulated') throw new Error('the emulated suite is not of kind emulated');
  const contract = { ...emulatedSuite, cases: emulatedSuite.cases.filter((c) => c.contract) };
  const results = await runSuites({ suites: [contract], builds: [build], devices, machines: ['q35', 'pc'] });
  const ms = performance.now() - t;
  const ran = results.filter((r) => r.outcome !== 'skipped');
  console.log(`\ndevice-independent contract (QEMU ${build.label}, q35 and pc, every MSI-X device)`);
  console.log(`  ${devices.length} devices, ${ran.length} contract cases run: ${(ms / 1000).toFixed(0)} s, of which the census ${(census / 1000).toFixed(0)} s (goal <= 180 s: ${verdict(ms <= 180_000)})`);
}

export async function benchLayout(builds: readonly QemuBuild[]): Promise<void> {
  forget('layout', builds);
  const t = performance.now();
  const types = await Promise.all(builds.map((b) => machineTypesOf(b)));
  const count = new Map<string, number>();
  for (const ts of types) for (const x of ts) count.set(x, (count.get(x) ?? 0) + 1);
  const surveyed = [];
  for (const [i, b] of builds.entries()) surveyed.push({ label: b.label, version: versionString(b.version), surveys: await surveyLayouts(b, types[i]!.filter((x) => count.get(x)! >= 2), () => undefined) });
  const c = compareLayouts(surveyed);
  const ms = performance.now() - t;
  console.log(`\ncompare --layout (${builds.map((b) => b.label).join(', ')}; censuses cached)`);
  console.log(`  ${c.rows.length} device x machine type rows over ${c.machineTypes.length} machine types: ${(ms / 1000).toFixed(0)} s (goal <= 180 s: ${verdict(ms <= 180_000)}); ${c.failures} unexplained differences, ${c.known} known`);
}

export async function benchCounting(builds: readonly QemuBuild[]): Promise<void> {
  console.log(`\nexact counting against the mailbox (e1000e, vector 0, ${FIRES} fires each, medians)`);
  for (const build of builds) {
    const dut = await Dut.start(build, e1000e, { counters: 1, runnableClock: true });
    try {
      await dut.enableAllMasked();
      await dut.route(0);
      await dut.msix.unmask(0);
      const time = async (f: () => Promise<unknown>) => {
        const xs: number[] = [];
        for (let i = 0; i < FIRES; i++) {
          const t = performance.now();
          await f();
          xs.push(performance.now() - t);
        }
        return median(xs);
      };
      const clock = await time(() => dut.letTimePass());
      await dut.route(0);
      const mailbox = await time(() => dut.fireAndWait(0));
      const counted = await time(() => dut.messagesFor(0, () => dut.fire(0)));
      await dut.shutdown();
      const cases = (await runSuites({ suites: [emulatedSuite], builds: [build], devices: [e1000e] })).filter((r) => r.outcome !== 'skipped').map((r) => r.durationMs);
      const perCase = median(cases);
      const caseRatio = (perCase + COUNTED_PER_CASE * Math.max(0, counted - mailbox)) / perCase;
      console.log(`  QEMU ${build.label}: per fire counted ${counted.toFixed(1)} ms, mailbox ${mailbox.toFixed(1)} ms: ${(counted / mailbox).toFixed(2)} x (the clock run in both: ${clock.toFixed(1)} ms); per case (median ${perCase} ms, ${COUNTED_PER_CASE} counted fires): ${caseRatio.toFixed(2)} x (goal <= 1.2: ${verdict(caseRatio <= 1.2)})`);
    } catch (e) {
      await dut.shutdown();
      throw e;
    }
  }
}
