/**
 * The release sweep (issue 22's bug hunt): both suites over Debian's QEMU
 * releases in version order (the emulated suite on every plugin's device,
 * the vfio suite in the box on kernel 6.12), then every case whose outcome
 * or counted observation changes between consecutive releases, written to
 * docs/release-sweep.md with the date of the run. Each release is one run
 * of the CLI, timed, so the table also gives the time per release.
 */
import fs from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { execa } from 'execa';
import { releaseChanges } from '../harness/matrix/release-changes.js';
import { stableReleaseSpec } from '../harness/regressions/stable-release.js';
import { releaseChangesMarkdown } from '../harness/report/release-changes-text.js';
import type { CaseResult, RunReport } from '../harness/results/run-report.js';
import { sriovCases } from '../suites/emulated/sriov.js';
import { deviceWorkCases } from '../suites/emulated/device-work.js';
import { interruptRemappingCases } from '../suites/emulated/interrupt-remapping.js';

const MAIN = fileURLToPath(new URL('../bin/msix-harness.js', import.meta.url));
/** The 7.2 stable releases, v7.2.0 .. v7.2.22, each built from Debian's source package (stable-release.ts). */
export const STABLE_7_2 = Array.from({ length: 23 }, (_, n) => `stable-7.2:v7.2.${n}`);
/** Debian's QEMU releases with the whole 7.2 stable history in its place, oldest first. */
export const SWEEP_BUILDS = ['debian:bullseye', ...STABLE_7_2, 'debian:bookworm', 'debian:bookworm-backports', 'debian:trixie', 'debian:newest'] as const;
const OUT = 'docs/release-sweep.md';

export async function benchSweep(specs: readonly string[] = SWEEP_BUILDS, o: { readonly fresh?: boolean; readonly kernel?: string } = {}): Promise<void> {
  const kernel = o.kernel ?? '6.12';
  const results: CaseResult[] = [];
  const order: string[] = [];
  const perRelease: { label: string; seconds: number; buildSeconds?: number }[] = [];
  const t0 = performance.now();
  for (const spec of specs) {
    const file = `reports/sweep-${spec.replace(/\W+/g, '-')}.json`;
    const kept = o.fresh ? undefined : await readReport(file);
    if (kept) {
      const label = kept.builds[0]!.label;
      const timed = JSON.parse(await fs.readFile(`${file}.time`, 'utf8').catch(() => '{}')) as { seconds?: number; buildSeconds?: number };
      order.push(label);
      if (timed.seconds !== undefined) perRelease.push({ label, ...timed, seconds: timed.seconds });
      results.push(...kept.cases);
      console.log(`  ${label}: kept from ${file} (--fresh runs it again)`);
      continue;
    }
    // A stable release is built first, on its own clock: cold (from ccache) the first time, kept after.
    let buildSeconds: number | undefined;
    if (spec.startsWith(`${stableReleaseSpec.prefix}:`)) {
      const tb = performance.now();
      await stableReleaseSpec.resolve(spec.slice(stableReleaseSpec.prefix.length + 1), (m) => process.stderr.write(`  ${m}\n`));
      buildSeconds = (performance.now() - tb) / 1000;
    }
    const t = performance.now();
    process.stderr.write(`sweep: ${spec} (emulated suite, then vfio in the box on ${kernel})\n`);
    const r = await execa(process.execPath, [MAIN, 'compare', '--suite', 'emulated,vfio', '--qemu', spec, '--kernel', kernel, '--reporter', 'json', '--out', file], { reject: false, stdin: 'ignore', stderr: 'inherit' });
    const seconds = (performance.now() - t) / 1000;
    const report = await readReport(file);
    if (!report) throw new Error(`the sweep's run on ${spec} wrote no report (exit ${r.exitCode}); run it alone: node ${MAIN} compare --suite emulated,vfio --qemu ${spec}`);
    const label = report.builds[0]!.label;
    order.push(label);
    const timing = { seconds, ...(buildSeconds === undefined ? {} : { buildSeconds }) };
    perRelease.push({ label, ...timing });
    await fs.writeFile(`${file}.time`, JSON.stringify(timing) + '\n');
    results.push(...report.cases);
    console.log(`  ${label}: ${buildSeconds === undefined ? '' : `build ${buildSeconds.toFixed(0)} s, `}${seconds.toFixed(0)} s, ${report.summary.passed} passed, ${report.summary.failed} failed, ${report.summary.xfail} xfail, ${report.summary.error} errors`);
  }
  groupTimes(results);
  const sweep = releaseChanges(results, order);
  await fs.writeFile(OUT, releaseChangesMarkdown(sweep, { date: new Date(), command: `npm run bench -- --only sweep ${specs.join(' ')}`, perRelease }));
  const unexplained = sweep.changes.filter((c) => !c.knownBug);
  console.log(`\nrelease sweep over ${order.join(' -> ')}: ${((performance.now() - t0) / 1000).toFixed(0)} s in all`);
  console.log(`  ${sweep.changes.length} changes, ${unexplained.length} unexplained; table in ${OUT}`);
  for (const c of unexplained) console.log(`  unexplained: ${c.from} -> ${c.to} ${c.caseId}: ${c.outcome.join(' -> ')}`);
}

async function readReport(file: string): Promise<RunReport | undefined> {
  try {
    return JSON.parse(await fs.readFile(file, 'utf8')) as RunReport;
  } catch {
    return undefined;
  }
}

/** The case groups issue 22 added, per case against the rest of the emulated suite (goal: at most 1.5x). */
function groupTimes(results: readonly CaseResult[]): void {
  const ran = results.filter((r) => r.suite === 'emulated' && r.outcome !== 'skipped');
  const slugOf = (r: CaseResult) => r.id.split('.').slice(2).join('.').replace(/@.*$/, '');
  const groups = {
    'SR-IOV': new Set(sriovCases.map((c) => c.slug)),
    'interrupt remapping': new Set(interruptRemappingCases.map((c) => c.slug)),
    'device work': new Set(deviceWorkCases.map((c) => c.slug)),
  };
  const inNone = ran.filter((r) => !Object.values(groups).some((g) => g.has(slugOf(r))));
  const mean = (rs: readonly CaseResult[]) => rs.reduce((a, r) => a + r.durationMs, 0) / Math.max(rs.length, 1);
  const base = mean(inNone);
  console.log(`\nemulated cases, mean time per case over the sweep: the rest ${base.toFixed(0)} ms (${inNone.length} runs)`);
  for (const [name, slugs] of Object.entries(groups)) {
    const rs = ran.filter((r) => slugs.has(slugOf(r)));
    const ratio = mean(rs) / base;
    console.log(`  ${name}: ${mean(rs).toFixed(0)} ms per case (${rs.length} runs), ${ratio.toFixed(2)}x (goal <= 1.5x: ${ratio <= 1.5 ? 'meets goal' : 'BELOW GOAL'})`);
  }
}
