/** `msix-harness bisect`: run the bisect (harness/bisect), print the steps and the first bad commit with its evidence. */
import { bisect, type BisectArgs } from '../bisect/bisect.js';
import { liveHooks } from './live-option.js';
import { onExitCleanup } from './signals.js';

export async function bisectCommand(a: BisectArgs & { live?: boolean }): Promise<number> {
  const live = await liveHooks(a.live, `bisect ${a.good}..${a.bad}`, (l) => process.stderr.write(`${l}\n`));
  let r;
  try {
    r = await bisect({ ...a, onInterrupt: onExitCleanup, onStep: (st) => st.result && live.result(st.result) }, live.progress);
  } catch (e) {
    await live.end(`stopped: ${(e as Error).message.split('\n')[0]}`);
    throw e;
  }
  const bad = r.firstBad;
  await live.end(bad ? `first ${a.findFix ? 'fixed' : 'bad'} commit: ${bad.sha} ${bad.subject}` : 'no single first bad commit');
  process.stdout.write(`\nbisect: ${r.steps.length} steps, log ${r.log}\n`);
  for (const s of r.steps) process.stdout.write(`  ${s.commit.slice(0, 12)} ${s.verdict.padEnd(4)} build ${(s.buildMs / 1000).toFixed(1)} s, case ${(s.caseMs / 1000).toFixed(1)} s  ${s.subject}\n`);
  if (!r.firstBad) {
    process.stdout.write('bisect: no single first bad commit (the commits left were skipped: they did not build or the case could not run); see the log\n');
    return 2;
  }
  process.stdout.write(`\nfirst ${a.findFix ? 'fixed' : 'bad'} commit: ${r.firstBad.sha} ${r.firstBad.subject}\n`);
  const res = r.firstBad.step?.result;
  if (res) {
    process.stdout.write(`evidence (${res.id} on ${res.qemu.label}, kernel ${res.hostKernel}):\n`);
    for (const o of res.evidence) process.stdout.write(`  ${o.ok ? 'ok  ' : 'FAIL'} [${o.view}] ${o.label}: expected ${JSON.stringify(o.expected)}, observed ${JSON.stringify(o.observed)}\n`);
  }
  return 0;
}
