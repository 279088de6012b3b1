/**
 * bisect on a real history: QEMU's 7.2 stable branch rebuilt from Debian's
 * patches (v7.2.0 .. v7.2.22) with the founding fix reverted in one extra
 * commit after v7.2.11. Bisecting the seed case must name exactly that
 * commit; the wall time per step (build + case in the box) is reported.
 * Steps rebuild QEMU: the first run on a machine takes long, later ones hit
 * ccache.
 */
import { bisect } from '../harness/bisect/bisect.js';
import { execa } from 'execa';
import { stableHistory } from '../harness/regressions/stable-history.js';
import { suites } from '../suites/index.js';

export async function benchBisect(): Promise<void> {
  const h = await stableHistory((m) => process.stderr.write(`${m}\n`));
  const t = performance.now();
  const r = await bisect({ suites, src: h.dir, good: 'v7.2.0', bad: h.tags.at(-1)!, caseId: 'vfio.e1000e.seed-enable-all-masked', kernel: '6.12' }, (l) => process.stderr.write(`${l}\n`));
  const total = performance.now() - t;
  const named = r.firstBad?.sha === h.injected.sha;
  console.log(`\nbisect v7.2.0..${h.tags.at(-1)} (${h.tags.length} releases + the injected commit), case vfio.e1000e.seed-enable-all-masked`);
  console.log(`  first bad commit: ${r.firstBad ? `${r.firstBad.sha.slice(0, 12)} ${r.firstBad.subject}` : 'none'} (${named ? 'the injected commit: correct' : `WRONG, injected ${h.injected.sha.slice(0, 12)}`})`);
  for (const s of r.steps) console.log(`  step ${s.commit.slice(0, 12)} ${s.verdict}: build ${(s.buildMs / 1000).toFixed(1)} s, case ${(s.caseMs / 1000).toFixed(1)} s (${s.subject})`);
  const per = r.steps.map((s) => s.buildMs + s.caseMs).sort((a, b) => a - b);
  console.log(`  ${r.steps.length} steps, ${(total / 1000).toFixed(0)} s in all, median step ${((per[Math.floor(per.length / 2)] ?? 0) / 1000).toFixed(1)} s; log ${r.log}`);
  if (!named) process.exitCode = 1;
}

/**
 * bisect --find-fix on the same history: the known QEMU bug e1000e-delayed-
 * causes (fixed by 8e4649cac9, backported to 7.2.20) makes the emulated
 * held-cause case fail up to v7.2.19; the fix hunt must name the v7.2.20
 * release commit.
 */
export async function benchFindFix(): Promise<void> {
  const h = await stableHistory((m) => process.stderr.write(`${m}\n`));
  const caseId = 'emulated.e1000e.held-cause-across-msix-enable';
  const t = performance.now();
  const r = await bisect({ suites, src: h.dir, bad: 'v7.2.0', good: h.tags.at(-1)!, caseId, kernel: '6.12', findFix: true }, (l) => process.stderr.write(`${l}\n`));
  const total = performance.now() - t;
  const want = await execa('git', ['-C', h.dir, 'rev-parse', 'v7.2.20^{commit}']).then((x) => x.stdout.trim());
  const named = r.firstBad?.sha === want;
  console.log(`\nbisect --find-fix v7.2.0..${h.tags.at(-1)}, case ${caseId} (known bug e1000e-delayed-causes, fix 8e4649cac9 in 7.2.20)`);
  console.log(`  first fixed commit: ${r.firstBad ? `${r.firstBad.sha.slice(0, 12)} ${r.firstBad.subject}` : 'none'} (${named ? 'the v7.2.20 release: correct' : `WRONG, v7.2.20 is ${want.slice(0, 12)}`})`);
  for (const s of r.steps) console.log(`  step ${s.commit.slice(0, 12)} ${s.verdict}: build ${(s.buildMs / 1000).toFixed(1)} s, case ${(s.caseMs / 1000).toFixed(1)} s (${s.subject})`);
  console.log(`  ${r.steps.length} steps, ${(total / 1000).toFixed(0)} s in all; log ${r.log}`);
  if (!named) process.exitCode = 1;
}
