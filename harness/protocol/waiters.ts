/** Filtered waits with a timeout, for asynchronous things (qtest IRQ lines, QMP events). */
import type { Timeline } from '../timeline.js';
import { ProtocolTimeoutError } from '../errors.js';

interface Waiter<E> {
  readonly match: (e: E) => boolean;
  readonly resolve: (e: E) => void;
  readonly reject: (err: Error) => void;
}

export class Waiters<E> {
  private list: Waiter<E>[] = [];

  constructor(private readonly log: Timeline) {}

  /** Resolve with the first offered item matching `match`; reject after `timeoutMs` naming `what`. */
  wait(match: (e: E) => boolean, what: string, timeoutMs: number): Promise<E> {
    return new Promise((resolve, reject) => {
      const w: Waiter<E> = {
        match,
        resolve: (e) => {
          clearTimeout(timer);
          resolve(e);
        },
        reject: (err) => {
          clearTimeout(timer);
          reject(err);
        },
      };
      const timer = setTimeout(() => {
        this.list = this.list.filter((x) => x !== w);
        reject(new ProtocolTimeoutError(what, timeoutMs, this.log.snapshot()));
      }, timeoutMs);
      this.list.push(w);
    });
  }

  offer(e: E): void {
    if (!this.list.length) return;
    const hit = this.list.filter((w) => w.match(e));
    if (!hit.length) return;
    this.list = this.list.filter((w) => !hit.includes(w));
    for (const w of hit) w.resolve(e);
  }

  rejectAll(err: Error): void {
    const all = this.list;
    this.list = [];
    for (const w of all) w.reject(err);
  }
}
