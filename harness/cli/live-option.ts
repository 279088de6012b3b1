/**
 * `--live` on run, compare and bisect: the command's progress and results
 * also go to a live page (harness/inspect/live-run.ts), whose URL is printed
 * first. The page is ended whatever happens to the command, so its server
 * never keeps the process alive.
 */
import { startLiveRun } from '../inspect/live-run.js';
import type { CaseResult } from '../results/run-report.js';

export interface LiveHooks {
  readonly progress: (m: string) => void;
  readonly result: (r: CaseResult) => void;
}

/**
 * Run a command's body with the hooks (plain stderr progress when not
 * `enabled`). The page ends with the body's summary, waiting briefly for a
 * page to show it; or, when the body throws, at once with what stopped it
 * (the terminal has the whole error).
 */
export async function withLive(enabled: boolean | undefined, title: string, body: (live: LiveHooks) => Promise<{ code: number; summary: string }>): Promise<number> {
  const progress = (m: string) => process.stderr.write(`${m}\n`);
  if (!enabled) return (await body({ progress, result: () => undefined })).code;
  const live = await startLiveRun(title);
  progress(`live page: ${live.url} (only on this machine)`);
  const hooks: LiveHooks = {
    progress: (m) => {
      progress(m);
      live.send(m.startsWith('bisect step ') ? { type: 'step', line: m } : { type: 'progress', line: m });
    },
    result: (r) => live.send({ type: 'result', result: r }),
  };
  let r: { code: number; summary: string };
  try {
    r = await body(hooks);
  } catch (e) {
    await live.end(`stopped: ${(e as Error).message.split('\n')[0]}`, 0);
    throw e;
  }
  await live.end(r.summary);
  return r.code;
}
