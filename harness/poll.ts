/**
 * The one bounded poll loop: ask until the answer is wanted, or give up
 * after the timeout with the caller's error (which says what it waited for
 * and the last answer seen). Every wait that polls goes through here.
 */
import { charge } from './time-ledger.js';

export interface PollOptions<T> {
  readonly timeoutMs: number;
  readonly intervalMs: number;
  /** The error for a timeout, given the last answer. */
  readonly timeout: (last: T) => Error;
}

export async function pollUntil<T>(ask: () => T | Promise<T>, wanted: (v: T) => boolean, o: PollOptions<T>): Promise<T> {
  const deadline = performance.now() + o.timeoutMs;
  for (;;) {
    const v = await ask();
    if (wanted(v)) return v;
    if (performance.now() > deadline) throw o.timeout(v);
    await charge('wait', () => new Promise((r) => setTimeout(r, o.intervalMs)));
  }
}

/** The same for code that must not yield (exit handlers): a blocking sleep between reads; false on timeout. */
export function pollUntilSync(wanted: () => boolean, o: { readonly timeoutMs: number; readonly intervalMs: number }): boolean {
  const deadline = performance.now() + o.timeoutMs;
  while (!wanted()) {
    if (performance.now() > deadline) return false;
    Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, o.intervalMs);
  }
  return true;
}
