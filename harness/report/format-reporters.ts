/**
 * The report formats as reporters: spec (a line per case as it ends), JSON,
 * JUnit, HTML and Markdown, each to its file or to standard output. At most
 * one format takes standard output; the case lines and the summary then go
 * to standard error, so the format's text stays clean to pipe.
 */
import fs from 'node:fs';
import path from 'node:path';
import { EnvironmentError } from '../errors.js';
import type { Comparison } from '../matrix/comparison.js';
import type { RunReport } from '../results/run-report.js';
import { caseLine, summaryLine, toSpec } from './console-report.js';
import { toHtml } from './html-report.js';
import { toJson } from './json-report.js';
import { toJunit } from './junit-report.js';
import { matrixText } from './matrix-text.js';
import type { Reporter } from './reporter.js';
import { verifiedTable } from './verified-table.js';

export type ReportFormat = 'spec' | 'json' | 'junit' | 'html' | 'markdown';
export const REPORT_FORMATS: readonly ReportFormat[] = ['spec', 'json', 'junit', 'html', 'markdown'];

/** One format with where it goes: a file, or standard output when `out` is absent. */
export interface FormatChoice {
  readonly format: ReportFormat;
  readonly out?: string;
}

const render = (format: ReportFormat, report: RunReport, comparison?: Comparison): string =>
  format === 'json' ? toJson(report) : format === 'junit' ? toJunit(report) : format === 'html' ? toHtml(report, comparison) : format === 'markdown' ? verifiedTable(report) : toSpec(report);

/**
 * The reporters for the chosen formats, plus the console's own: case lines
 * as they end and the closing summary (and matrix), on standard output
 * unless a format writes its text there.
 */
export function formatReporters(choices: readonly FormatChoice[], opts: { readonly caseLinesToStderr?: boolean } = {}): Reporter[] {
  const toStdout = choices.filter((c) => !c.out && c.format !== 'spec');
  if (!choices.length) return [];
  if (toStdout.length > 1) throw new EnvironmentError(`only one report can go to standard output, not ${toStdout.map((c) => c.format).join(' and ')}`, 'give the others --out FILE (each --out after its --reporter)');
  const console: NodeJS.WritableStream = toStdout.length ? process.stderr : process.stdout;
  const files: Reporter[] = choices
    .filter((c) => c.out || c.format !== 'spec')
    .map((c) => ({
      end(report, _summary, comparison) {
        if (!report) return;
        const text = render(c.format, report, comparison);
        if (!c.out) return void process.stdout.write(text);
        fs.mkdirSync(path.dirname(path.resolve(c.out)), { recursive: true });
        fs.writeFileSync(c.out, text);
        process.stderr.write(`report (${c.format}) written to ${c.out}\n`);
      },
    }));
  const lines: Reporter = {
    result: (r) => void (opts.caseLinesToStderr ? process.stderr : console).write(caseLine(r) + '\n'),
    end(report, _summary, comparison) {
      if (!report) return;
      console.write(`\n${comparison ? `${matrixText(comparison)}\n` : ''}${summaryLine(report)}\n`);
    },
  };
  return [lines, ...files];
}

/** Pair repeated --reporter and --out in order: the i-th --out goes with the i-th --reporter. */
export function pairFormats(formats: readonly string[], outs: readonly string[]): FormatChoice[] {
  const chosen = formats.length ? formats : ['spec'];
  if (outs.length > chosen.length) throw new EnvironmentError(`${outs.length} --out for ${chosen.length} --reporter`, 'give each --out after its --reporter, e.g. --reporter junit --out a.xml --reporter html --out b.html');
  return chosen.map((f, i) => {
    if (!(REPORT_FORMATS as readonly string[]).includes(f)) throw new EnvironmentError(`unknown reporter "${f}"`, `use ${REPORT_FORMATS.join(', ')}`);
    return { format: f as ReportFormat, ...(outs[i] ? { out: outs[i] } : {}) };
  });
}
