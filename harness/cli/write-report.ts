/** A report in the chosen format, to a file or standard output, with the summary line CI reads. */
import fs from 'node:fs/promises';
import path from 'node:path';
import { summaryLine, toSpec } from '../report/console-report.js';
import { toHtml } from '../report/html-report.js';
import { toJson } from '../report/json-report.js';
import { toJunit } from '../report/junit-report.js';
import type { RunReport } from '../results/run-report.js';
import { matrixText } from '../report/matrix-text.js';
import { verifiedTable } from '../report/verified-table.js';
import type { Comparison } from '../matrix/comparison.js';

export type Reporter = 'spec' | 'json' | 'junit' | 'html' | 'markdown';
export const REPORTERS: readonly Reporter[] = ['spec', 'json', 'junit', 'html', 'markdown'];

/** `comparison` adds the matrix to spec and HTML output (compare, merge). */
export async function writeReport(report: RunReport, reporter: Reporter, out: string | undefined, comparison?: Comparison): Promise<void> {
  const text =
    reporter === 'json' ? toJson(report) : reporter === 'junit' ? toJunit(report) : reporter === 'html' ? toHtml(report, comparison) : reporter === 'markdown' ? verifiedTable(report) : toSpec(report);
  if (out) {
    await fs.mkdir(path.dirname(path.resolve(out)), { recursive: true });
    await fs.writeFile(out, text);
    if (comparison && reporter !== 'spec') process.stdout.write(matrixText(comparison) + '\n');
    process.stdout.write(`${summaryLine(report)}\n`);
    process.stderr.write(`report (${reporter}) written to ${out}\n`);
  } else if (reporter === 'spec') {
    // The case lines were printed as the cases ended.
    process.stdout.write(`\n${comparison ? `${matrixText(comparison)}\n` : ''}${summaryLine(report)}\n`);
  } else {
    process.stdout.write(text);
    process.stderr.write(`${summaryLine(report)}\n`);
  }
}
