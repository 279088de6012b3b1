/**
 * One writer per cache entry. Two runs that need the same cold build or
 * kernel at once both succeed with one download: the second waits for the
 * first's lock (saying so), then finds the entry complete. A lock whose run
 * died stops being refreshed and is taken over once stale.
 */
import fs from 'node:fs';
import path from 'node:path';
import lockfile from 'proper-lockfile';
import { EnvironmentError } from '../errors.js';

export interface LockOptions {
  /** How long to wait for another run's lock before giving up. */
  readonly waitMs?: number;
  readonly progress?: (m: string) => void;
}

const STALE_MS = 30_000;
const POLL_MS = 500;

/** Run `body` holding the lock of cache entry `entry` (a folder or file path; the lock is `entry.lock`). */
export async function withCacheLock<T>(entry: string, what: string, body: () => Promise<T>, o: LockOptions = {}): Promise<T> {
  const lockPath = `${entry}.lock`;
  fs.mkdirSync(path.dirname(entry), { recursive: true });
  const waitMs = o.waitMs ?? 90 * 60_000;
  const deadline = Date.now() + waitMs;
  let said = false;
  let release: (() => Promise<void>) | undefined;
  while (!release) {
    try {
      release = await lockfile.lock(entry, { lockfilePath: lockPath, realpath: false, stale: STALE_MS, update: STALE_MS / 3 });
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'ELOCKED') throw e;
      if (Date.now() > deadline) {
        throw new EnvironmentError(`gave up after ${Math.round(waitMs / 1000)} s waiting for another msix-harness run preparing ${what} (lock ${lockPath})`, `if no other msix-harness run is preparing it, remove ${lockPath}`);
      }
      if (!said) o.progress?.(`${what}: another msix-harness run is preparing it; waiting for it (lock ${lockPath})`);
      said = true;
      await new Promise((r) => setTimeout(r, POLL_MS));
    }
  }
  try {
    return await body();
  } finally {
    await release().catch(() => undefined);
  }
}
