/** Human output: a line per case as it ends, and the summary. */
import type { CaseResult, RunReport } from './model.js';

const MARK = { passed: 'ok  ', failed: 'FAIL', skipped: 'skip' } as const;

export function caseLine(c: CaseResult): string {
  const head = `${MARK[c.outcome]} ${c.id} [QEMU ${c.qemu.label}] (${c.durationMs} ms)`;
  if (c.outcome === 'skipped') return `${head}: ${c.skipReason ?? ''}`;
  if (c.outcome === 'failed') return `${head}\n${(c.error?.message ?? '').replace(/^/gm, '      ')}`;
  return head;
}

/** The closing line CI reads: "N passed, N failed, N skipped". */
export function summaryLine(r: RunReport): string {
  return `${r.summary.passed} passed, ${r.summary.failed} failed, ${r.summary.skipped} skipped`;
}

export function toSpec(r: RunReport): string {
  const lines = r.cases.map(caseLine);
  lines.push('', summaryLine(r));
  return lines.join('\n') + '\n';
}
