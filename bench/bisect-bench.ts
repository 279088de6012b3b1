/**
 * bisect on a real history: QEMU's 7.2 stable branch rebuilt from Debian's
 * patches (v7.2.0 .. v7.2.22) with the founding fix reverted in one extra
 * commit after v7.2.11. Bisecting the seed case must name exactly that
 * commit; the wall time per step (build + case in the box) is reported.
 * Steps rebuild QEMU: the first run on a machine takes long, later ones hit
 * ccache.
 */
import { bisect } from '../harness/bisect/bisect.js';
import { stableHistory } from '../harness/qemu/stable-history.js';

export async function benchBisect(): Promise<void> {
  const h = await stableHistory((m) => process.stderr.write(`${m}\n`));
  const t = performance.now();
  const r = await bisect({ src: h.dir, good: 'v7.2.0', bad: h.tags.at(-1)!, caseId: 'vfio.e1000e.seed-enable-all-masked', kernel: '6.12' }, (l) => process.stderr.write(`${l}\n`));
  const total = performance.now() - t;
  const named = r.firstBad?.sha === h.injected.sha;
  console.log(`\nbisect v7.2.0..${h.tags.at(-1)} (${h.tags.length} releases + the injected commit), case vfio.e1000e.seed-enable-all-masked`);
  console.log(`  first bad commit: ${r.firstBad ? `${r.firstBad.sha.slice(0, 12)} ${r.firstBad.subject}` : 'none'} (${named ? 'the injected commit: correct' : `WRONG, injected ${h.injected.sha.slice(0, 12)}`})`);
  for (const s of r.steps) console.log(`  step ${s.commit.slice(0, 12)} ${s.verdict}: build ${(s.buildMs / 1000).toFixed(1)} s, case ${(s.caseMs / 1000).toFixed(1)} s (${s.subject})`);
  const per = r.steps.map((s) => s.buildMs + s.caseMs).sort((a, b) => a - b);
  console.log(`  ${r.steps.length} steps, ${(total / 1000).toFixed(0)} s in all, median step ${((per[Math.floor(per.length / 2)] ?? 0) / 1000).toFixed(1)} s; log ${r.log}`);
  if (!named) process.exitCode = 1;
}
