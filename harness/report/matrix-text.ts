/** The comparison matrix as text for a terminal: a row per case, a column per build and kernel; rows that differ are marked. */
import type { Cell, Comparison } from '../matrix/comparison.js';

import { OUTCOME_MARK as MARK } from './outcome-mark.js';

function cellText(c: Cell | undefined): string {
  if (!c) return '-';
  const seen = c.behaviour.map((b) => JSON.stringify(b.observed)).join(' ');
  return seen ? `${MARK[c.outcome]} ${seen}` : MARK[c.outcome];
}

export function matrixText(cmp: Comparison): string {
  const head = ['', 'case', ...cmp.columns.map((_, i) => `[${i + 1}]`)];
  const body = cmp.rows.map((r) => [r.differs ? '*' : ' ', r.caseId, ...cmp.columns.map((c) => cellText(r.cells.get(c.key)))]);
  const widths = head.map((_, i) => Math.max(...[head, ...body].map((row) => row[i]!.length)));
  const line = (row: string[]) => row.map((x, i) => x.padEnd(widths[i]!)).join('  ').trimEnd();
  return [
    'comparison (* = outcome or observed behaviour differs between columns)',
    ...cmp.columns.map((c, i) => `  [${i + 1}] QEMU ${c.buildLabel}, host kernel ${c.kernel}`),
    line(head),
    ...body.map(line),
  ].join('\n') + '\n';
}
