/**
 * What changes between consecutive releases: for builds in release order,
 * every case whose outcome (before known bugs) or counted observation (a
 * number or a yes/no the case observed) differs from the release before.
 * Each change is explained by a known bug (the registry matched one side)
 * or not; an unexplained change is a new bug or a harness problem, and
 * someone has to say which.
 */
import { rawOutcome, type CaseResult, type RawOutcome } from '../results/run-report.js';
import { parseCaseId } from '../case-id.js';
import { judgeKnownBug } from '../expect/known-bugs.js';
import { isReleaseVersion } from '../expect/traits.js';

/**
 * The known bug that explains a result by the registry as it is now, not as
 * it was when the case ran: a sweep's reports are kept, and a bug found in
 * them goes into the registry afterwards. Results that neither passed nor
 * failed keep what their run said.
 */
export function explainedBy(r: CaseResult): string | undefined {
  const id = parseCaseId(r.id);
  const raw = rawOutcome(r);
  if (!id || (raw !== 'passed' && raw !== 'failed')) return r.knownBug?.id;
  const micro = Number(r.qemu.version.split('.')[2]);
  return judgeKnownBug(id, raw, r.evidence, { version: r.qemu.version, release: isReleaseVersion({ micro }) })?.bug.id;
}

export interface ObservationChange {
  readonly label: string;
  readonly before: unknown;
  readonly after: unknown;
}

export interface ReleaseChange {
  readonly caseId: string;
  /** Build specs (labels for the reader) of the two releases. */
  readonly from: string;
  readonly to: string;
  readonly outcome: readonly [RawOutcome, RawOutcome];
  readonly observations: readonly ObservationChange[];
  /** The known bug that explains it (matched on either side), if any. */
  readonly knownBug?: string;
}

export interface ReleaseSweep {
  /** Build labels in release order. */
  readonly releases: readonly string[];
  readonly changes: readonly ReleaseChange[];
  /** Cases that ran on one release and were skipped (device or feature absent) on the other: counted, not listed. */
  readonly appeared: number;
}

/** Observations a change is read from: what a case counted or decided (numbers, yes/no, lists of them), not free text. */
const scalar = (v: unknown) => typeof v === 'number' || typeof v === 'boolean';
const counted = (v: unknown) => scalar(v) || (Array.isArray(v) && v.every(scalar));

/** The changes between consecutive builds of `order` (build labels, oldest first), on one host kernel per case. */
export function releaseChanges(results: readonly CaseResult[], order: readonly string[]): ReleaseSweep {
  const byCase = new Map<string, Map<string, CaseResult>>();
  for (const r of results) {
    const key = `${r.id} ${r.hostDevice ? r.hostKernel : ''}`.trim();
    byCase.set(key, (byCase.get(key) ?? new Map()).set(r.qemu.label, r));
  }
  const changes: ReleaseChange[] = [];
  let appeared = 0;
  for (const [caseId, cells] of byCase) {
    const runs = order.map((b) => cells.get(b)).filter((r): r is CaseResult => r !== undefined);
    for (let i = 1; i < runs.length; i++) {
      const a = runs[i - 1]!;
      const b = runs[i]!;
      const oa = rawOutcome(a);
      const ob = rawOutcome(b);
      if ((oa === 'skipped') !== (ob === 'skipped')) {
        appeared++;
        continue;
      }
      if (oa === 'skipped') continue;
      const after = new Map(b.evidence.filter((o) => counted(o.observed)).map((o) => [o.label, o]));
      const observations: ObservationChange[] = [];
      for (const o of a.evidence) {
        const p = after.get(o.label);
        // Both as expected: a difference the case expects (a trait of the build), not a change to explain.
        if (!p || !counted(o.observed) || (o.ok && p.ok)) continue;
        if (JSON.stringify(p.observed) !== JSON.stringify(o.observed)) observations.push({ label: o.label, before: o.observed, after: p.observed });
      }
      if (oa === ob && !observations.length) continue;
      const knownBug = explainedBy(b) ?? explainedBy(a);
      changes.push({ caseId, from: a.qemu.label, to: b.qemu.label, outcome: [oa, ob], observations, ...(knownBug ? { knownBug } : {}) });
    }
  }
  changes.sort((x, y) => order.indexOf(x.to) - order.indexOf(y.to) || x.caseId.localeCompare(y.caseId));
  return { releases: order, changes, appeared };
}
