/**
 * One reporter interface for every output, streaming or final, in the
 * manner of Playwright's reporters: each is fed the same events (begin,
 * progress, each result as it ends, end with the whole report), and a
 * multiplexer feeds several at once (`--reporter junit --out a.xml
 * --reporter html --out b.html`, with the live page beside them).
 */
import type { Comparison } from '../matrix/comparison.js';
import type { CaseResult, RunReport } from '../results/run-report.js';

/** A progress event: a plain line, or a bisect step with its verdict (told by its type, never by its text). */
export type ProgressEvent =
  | { readonly kind: 'line'; readonly text: string }
  | { readonly kind: 'bisect-step'; readonly text: string; readonly verdict: 'good' | 'bad' | 'skip'; readonly result?: CaseResult };

export interface Reporter {
  /** The command starts (its title: "run --suite vfio"). */
  begin?(title: string): void | Promise<void>;
  progress?(e: ProgressEvent): void;
  /** One case ended. */
  result?(r: CaseResult): void;
  /** The run ended with this report (the comparison for compare and merge). `summary` is the line a reader sees last. */
  end?(report: RunReport | undefined, summary: string, comparison?: Comparison): void | Promise<void>;
  /** The command stopped with an error before its end. */
  abort?(why: string): void | Promise<void>;
}

/** Several reporters as one, in order. */
export function multiplex(reporters: readonly Reporter[]): Required<Reporter> {
  return {
    async begin(title) {
      for (const r of reporters) await r.begin?.(title);
    },
    progress(e) {
      for (const r of reporters) r.progress?.(e);
    },
    result(c) {
      for (const r of reporters) r.result?.(c);
    },
    async end(report, summary, comparison) {
      for (const r of reporters) await r.end?.(report, summary, comparison);
    },
    async abort(why) {
      for (const r of reporters) await r.abort?.(why);
    },
  };
}
