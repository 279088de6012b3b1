/**
 * JUnit XML as GitLab and Jenkins read it: one testsuite per suite x build x
 * host kernel (for a vfio run in the box, the box's kernel), one testcase per case.
 */
import junitModule, { type Builder } from 'junit-report-builder';

// A CommonJS module whose default export is a builder instance.
const junit = ((junitModule as unknown as { default?: Builder }).default ?? junitModule) as unknown as Builder;
import type { CaseResult, RunReport } from '../results/run-report.js';

export function toJunit(report: RunReport): string {
  const b = junit.newBuilder();
  const groups = new Map<string, CaseResult[]>();
  for (const c of report.cases) {
    const key = `${c.suite} on QEMU ${c.qemu.label}, host kernel ${c.hostKernel}`;
    groups.set(key, [...(groups.get(key) ?? []), c]);
  }
  for (const [name, cases] of groups) {
    const suite = b.testSuite().name(name).property('qemu.sha256', cases[0]!.qemu.sha256).property('host.kernel', cases[0]!.hostKernel);
    for (const c of cases) {
      const tc = suite.testCase().className(`${c.suite}.${c.device}`).name(`${c.title} [${c.pins.join(',')}]`).time(c.durationMs / 1000);
      if (c.outcome === 'failed') tc.failure(c.error?.message.split('\n')[0] ?? 'failed').stacktrace(c.error?.message);
      if (c.outcome === 'error') tc.error(c.error?.message.split('\n')[0] ?? 'error', 'error', c.error?.message);
      // A known failure is reported as skipped with its hint, so CI stays green and the reader sees why.
      if (c.outcome === 'skipped' || c.outcome === 'xfail') tc.skipped();
      // junit-report-builder keeps one standard output per case: every line goes into it at once.
      const out = [
        ...(c.outcome === 'skipped' ? [`skipped: ${c.skipReason ?? ''}`] : []),
        ...(c.outcome === 'xfail' || c.outcome === 'xpass' ? [`${c.outcome}: ${c.knownBug?.hint ?? ''}`] : []),
        ...c.evidence.map((e) => `${e.ok ? 'ok ' : 'BAD'} [${e.view}] ${e.label}: expected ${JSON.stringify(e.expected)}, observed ${JSON.stringify(e.observed)}`),
      ];
      if (out.length) tc.standardOutput(out.join('\n'));
    }
  }
  return b.build();
}
