/** The JSON report: the RunReport as it is, for machines and for merging. */
import type { RunReport } from '../results/run-report.js';

export function toJson(report: RunReport): string {
  return JSON.stringify(report, null, 2) + '\n';
}
