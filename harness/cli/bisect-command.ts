/** `msix-harness bisect`: run the bisect (harness/bisect), print the steps and the first bad commit with its evidence. */
import { bisect, type BisectArgs } from '../bisect/bisect.js';
import { stepLine, type StepLog } from '../bisect/bisect-step.js';
import { withReporting } from './reporting.js';
import { onExitCleanup } from './signals.js';

export function bisectCommand(a: BisectArgs & { live?: boolean }): Promise<number> {
  // Its output is its own (the steps and the first bad commit): no report format, the live page if asked.
  return withReporting({ title: `bisect ${a.good}..${a.bad}`, live: !!a.live, formats: [] }, async (rep) => {
    const onStep = (st: StepLog) => {
      rep.event({ kind: 'bisect-step', text: stepLine(st), verdict: st.verdict, ...(st.result ? { result: st.result } : {}) });
      if (st.result) rep.result(st.result);
    };
    const r = await bisect({ ...a, onInterrupt: onExitCleanup, onStep }, rep.progress);
    const what = a.findFix ? 'fixed' : 'bad';
    process.stdout.write(`\nbisect: ${r.steps.length} steps, log ${r.log}\n`);
    for (const s of r.steps) process.stdout.write(`  ${s.commit.slice(0, 12)} ${s.verdict.padEnd(4)} build ${(s.buildMs / 1000).toFixed(1)} s, case ${(s.caseMs / 1000).toFixed(1)} s  ${s.subject}\n`);
    if (!r.firstBad) {
      process.stdout.write(`bisect: no single first ${what} commit (the commits left were skipped: they did not build or the case could not run); see the log\n`);
      return { code: 2, summary: `no single first ${what} commit` };
    }
    process.stdout.write(`\nfirst ${what} commit: ${r.firstBad.sha} ${r.firstBad.subject}\n`);
    const res = r.firstBad.step?.result;
    if (res) {
      process.stdout.write(`evidence (${res.id} on ${res.qemu.label}, kernel ${res.hostKernel}):\n`);
      for (const o of res.evidence) process.stdout.write(`  ${o.ok ? 'ok  ' : 'FAIL'} [${o.view}] ${o.label}: expected ${JSON.stringify(o.expected)}, observed ${JSON.stringify(o.observed)}\n`);
    }
    return { code: 0, summary: `first ${what} commit: ${r.firstBad.sha} ${r.firstBad.subject}` };
  });
}
