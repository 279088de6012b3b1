/**
 * A long run watched from a browser (`--live` on run, compare and bisect):
 * each case result as it ends (the matrix of case by build filling in, the
 * evidence of each), progress lines and bisect steps, replayed to a page
 * that connects late. At the end the server stays until a page has shown
 * the end, or a short while if none is open, so a run is never held up.
 */
import type { CaseResult } from '../results/run-report.js';
import { livePage } from './live-page.js';
import { servePage } from './page-server.js';

export type LiveEvent =
  | { readonly type: 'result'; readonly result: CaseResult }
  | { readonly type: 'progress'; readonly line: string }
  | { readonly type: 'step'; readonly line: string }
  | { readonly type: 'done'; readonly summary: string };

export interface LiveRun {
  readonly url: string;
  send(e: LiveEvent): void;
  /** Broadcast the end, then close once a page has it (or after `lingerMs` with none open). */
  end(summary: string, lingerMs?: number): Promise<void>;
}

export async function startLiveRun(title: string): Promise<LiveRun> {
  const history: LiveEvent[] = [];
  let endSeen: (() => void) | undefined;
  const s = await servePage({
    html: () => livePage(title),
    onConnect: (send) => {
      for (const e of history) send(e);
      if (history.at(-1)?.type === 'done') endSeen?.();
    },
  });
  return {
    url: s.url,
    send(e) {
      history.push(e);
      s.broadcast(e);
    },
    async end(summary, lingerMs = 30_000) {
      const e: LiveEvent = { type: 'done', summary };
      history.push(e);
      s.broadcast(e);
      if (!s.clients) await new Promise<void>((r) => {
        endSeen = r;
        setTimeout(r, lingerMs);
      });
      // Let the last message leave before the sockets close.
      await new Promise((r) => setTimeout(r, 200));
      await s.close();
    },
  };
}
