/**
 * How a command reports: its progress on standard error, and every event to
 * the reporters chosen (formats to files or standard output, and with
 * `--live` the live page, harness/inspect/live-run.ts, whose URL is printed
 * first). The reporters end whatever happens to the command, so the page's
 * server never keeps the process alive.
 */
import { multiplex, type ProgressEvent, type Reporter } from '../report/reporter.js';
import { formatReporters, type FormatChoice } from '../report/format-reporters.js';
import type { Comparison } from '../matrix/comparison.js';
import type { CaseResult, RunReport } from '../results/run-report.js';
import { startLiveRun } from '../inspect/live-run.js';

/** What a command's body reports through. */
export interface Reporting {
  progress(m: string): void;
  event(e: ProgressEvent): void;
  result(r: CaseResult): void;
}

export interface Ended {
  readonly code: number;
  /** The line a reader sees last (the live page's end). */
  readonly summary: string;
  readonly report?: RunReport;
  readonly comparison?: Comparison;
  /** Output of the command's own after the reports (the migration pairs table). */
  readonly after?: () => void;
}

/** The live page as a reporter. */
async function liveReporter(title: string): Promise<Reporter> {
  const live = await startLiveRun(title);
  process.stderr.write(`live page: ${live.url} (only on this machine)\n`);
  return {
    progress: (e) => live.send(e.kind === 'bisect-step' ? { type: 'step', line: e.text } : { type: 'progress', line: e.text }),
    result: (r) => live.send({ type: 'result', result: r }),
    end: (_report, summary) => live.end(summary),
    // The terminal has the whole error; the page gets what stopped it, at once.
    abort: (why) => live.end(`stopped: ${why}`, 0),
  };
}

export async function withReporting(o: { readonly title: string; readonly live?: boolean; readonly formats: readonly FormatChoice[]; readonly caseLinesToStderr?: boolean }, body: (r: Reporting) => Promise<Ended>): Promise<number> {
  const reporters = formatReporters(o.formats, { caseLinesToStderr: !!o.caseLinesToStderr });
  if (o.live) reporters.push(await liveReporter(o.title));
  const mux = multiplex(reporters);
  await mux.begin(o.title);
  const event = (e: ProgressEvent) => {
    process.stderr.write(`${e.text}\n`);
    mux.progress(e);
  };
  let ended: Ended;
  try {
    ended = await body({ progress: (text) => event({ kind: 'line', text }), event, result: (r) => mux.result(r) });
  } catch (e) {
    await mux.abort((e as Error).message.split('\n')[0]!);
    throw e;
  }
  await mux.end(ended.report, ended.summary, ended.comparison);
  ended.after?.();
  return ended.code;
}
