/** Human output: a line per case as it ends, and the summary. */
import type { CaseResult, RunReport } from '../results/run-report.js';

import { OUTCOME_MARK } from './outcome-mark.js';

export function caseLine(c: CaseResult): string {
  const head = `${OUTCOME_MARK[c.outcome].padEnd(4)} ${c.id} [QEMU ${c.qemu.label}${c.migratedTo ? ` -> ${c.migratedTo.label}` : ''}] (${c.durationMs} ms)`;
  if (c.outcome === 'skipped') return `${head}: ${c.skipReason ?? ''}`;
  const hint = c.knownBug ? `\n      ${c.knownBug.hint}` : '';
  if (c.outcome === 'failed' || c.outcome === 'error') return `${head}${hint}\n${(c.error?.message ?? '').replace(/^/gm, '      ')}`;
  return head + hint;
}

/**
 * The closing lines: the known-bug and error counts, then the line CI reads,
 * "N passed, N failed, N skipped" (errors count as failed there, known
 * failures and unexpected passes as passed: neither is QEMU getting worse).
 */
export function summaryLine(r: RunReport): string {
  const s = r.summary;
  const detail = `outcomes: ${s.passed} passed, ${s.failed} failed, ${s.error ?? 0} error, ${s.skipped} skipped, ${s.xfail ?? 0} xfail (known QEMU bugs), ${s.xpass ?? 0} xpass (fixed where a known bug was due)`;
  return `${detail}\n${s.passed + (s.xfail ?? 0) + (s.xpass ?? 0)} passed, ${s.failed + (s.error ?? 0)} failed, ${s.skipped} skipped`;
}

export function toSpec(r: RunReport): string {
  const lines = r.cases.map(caseLine);
  lines.push('', summaryLine(r));
  return lines.join('\n') + '\n';
}
