/**
 * compare as a gate. With a baseline build: any case that passes on the
 * baseline and fails on another build, under the same host kernel and
 * accelerator, is a regression. For backports, cases named as expected-fixed must fail on the
 * baseline and pass on every other build.
 */
import { rawOutcome } from '../results/run-report.js';
import type { Comparison } from './comparison.js';

export interface GateArgs {
  /** A build spec as given to --qemu. */
  readonly baseline: string;
  /** Case ids or slugs (the last part of an id) the other builds must fix. */
  readonly expectFixed?: readonly string[];
}

export interface GateFinding {
  readonly kind: 'regression' | 'not-fixed' | 'not-broken-on-baseline' | 'not-run';
  readonly caseId: string;
  readonly kernel: string;
  readonly build: string;
  readonly detail: string;
}

export function gate(cmp: Comparison, g: GateArgs): GateFinding[] {
  const findings: GateFinding[] = [];
  const kernels = [...new Set(cmp.columns.map((c) => c.kernel))];
  const fixed = new Set(g.expectFixed ?? []);
  const named = (id: string) => fixed.has(id) || fixed.has(id.split('.').at(-1)!);
  const accels = [...new Set(cmp.columns.map((c) => c.accel))];
  for (const kernel of kernels) for (const accel of accels) {
    // The baseline under TCG against the others under TCG, under KVM against the others under KVM.
    const base = cmp.columns.find((c) => c.kernel === kernel && c.accel === accel && c.buildSpec === g.baseline);
    if (!base) continue;
    const others = cmp.columns.filter((c) => c.kernel === kernel && c.accel === accel && c !== base);
    for (const row of cmp.rows) {
      const b = row.cells.get(base.key);
      if (!b) continue;
      for (const col of others) {
        const o = row.cells.get(col.key);
        // Raw outcomes: what QEMU did, so a backported fix on a build whose version says "affected" is fixed, never a regression.
        const bRaw = rawOutcome(b.result);
        const oRaw = o && rawOutcome(o.result);
        if (named(row.caseId)) {
          if (bRaw !== 'failed') findings.push({ kind: 'not-broken-on-baseline', caseId: row.caseId, kernel, build: g.baseline, detail: `expected to fail on the baseline, ${bRaw}` });
          if (!o) findings.push({ kind: 'not-run', caseId: row.caseId, kernel, build: col.buildSpec, detail: 'the case did not run on this build' });
          else if (oRaw !== 'passed') findings.push({ kind: 'not-fixed', caseId: row.caseId, kernel, build: col.buildSpec, detail: `${oRaw}${o.result.error ? `: ${o.result.error.message.split('\n')[0]}` : ''}` });
        } else if (bRaw === 'passed' && oRaw === 'failed' && o) {
          findings.push({ kind: 'regression', caseId: row.caseId, kernel, build: col.buildSpec, detail: o.result.error?.message.split('\n')[0] ?? 'failed' });
        }
      }
    }
  }
  // One "not broken on the baseline" per case and kernel is enough.
  return findings.filter((f, i) => f.kind !== 'not-broken-on-baseline' || findings.findIndex((x) => x.kind === f.kind && x.caseId === f.caseId && x.kernel === f.kernel) === i);
}

export function findingLine(f: GateFinding): string {
  const what = { regression: 'REGRESSION', 'not-fixed': 'NOT FIXED', 'not-broken-on-baseline': 'NOT BROKEN ON BASELINE', 'not-run': 'NOT RUN' }[f.kind];
  return `${what} ${f.caseId} on ${f.build} (${f.kernel}): ${f.detail}`;
}
