/**
 * `--live` on run, compare and bisect: the run's progress and results also
 * go to a live page (harness/inspect/live-run.ts), whose URL is printed first.
 */
import { startLiveRun, type LiveRun } from '../inspect/live-run.js';
import type { CaseResult } from '../results/run-report.js';

export interface LiveHooks {
  readonly progress: (m: string) => void;
  readonly result: (r: CaseResult) => void;
  /** The end: the page shows it; waits (briefly) for a page to have it. */
  readonly end: (summary: string) => Promise<void>;
}

export async function liveHooks(enabled: boolean | undefined, title: string, progress: (m: string) => void): Promise<LiveHooks> {
  if (!enabled) return { progress, result: () => undefined, end: async () => undefined };
  const live: LiveRun = await startLiveRun(title);
  progress(`live page: ${live.url} (only on this machine)`);
  let ended = false;
  return {
    progress: (m) => {
      progress(m);
      live.send(m.startsWith('bisect step ') ? { type: 'step', line: m } : { type: 'progress', line: m });
    },
    result: (r) => live.send({ type: 'result', result: r }),
    end: async (summary) => {
      if (ended) return;
      ended = true;
      await live.end(summary);
    },
  };
}
