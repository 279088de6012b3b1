/**
 * One timeline per QEMU: the protocol exchanges (qtest, QMP), QEMU's stderr
 * lines and the harness's own waits, in the order they happened, so any
 * failure can show what led to it without a rerun. Fixed-size ring:
 * recording is one array store, cheap enough for the qtest hot path.
 */
import { charge } from './time-ledger.js';

export type Direction = '>' | '<' | '!';

/** What a line came from: a protocol channel, QEMU's stderr, or a wait of the harness. */
export type Source = 'qtest' | 'qmp' | 'stderr' | 'wait' | (string & {});

export interface Entry {
  /** '>' sent by the harness (or a wait begun), '<' received (or a wait ended), '!' a note (timeout, close). */
  readonly dir: Direction;
  readonly channel: Source;
  readonly text: string;
  /** Milliseconds since the timeline was created. */
  readonly atMs: number;
}

export class Timeline {
  private readonly ring: (Entry | undefined)[];
  private next = 0;
  private readonly t0 = performance.now();

  constructor(readonly capacity = 128) {
    this.ring = new Array(capacity);
  }

  record(channel: Source, dir: Direction, text: string): void {
    this.ring[this.next] = { dir, channel, text, atMs: performance.now() - this.t0 };
    this.next = (this.next + 1) % this.capacity;
  }

  /**
   * Record a wait of the harness (begun, then how it ended) around `body`,
   * so a wait that never ends shows in the timeline as begun and not ended.
   */
  wait<T>(what: string, timeoutMs: number, body: () => Promise<T>): Promise<T> {
    return charge('wait', () => this.timed(what, timeoutMs, body));
  }

  private async timed<T>(what: string, timeoutMs: number, body: () => Promise<T>): Promise<T> {
    const t = performance.now();
    this.record('wait', '>', `${what} (up to ${timeoutMs} ms)`);
    try {
      const r = await body();
      this.record('wait', '<', `${what}: after ${(performance.now() - t).toFixed(0)} ms`);
      return r;
    } catch (e) {
      this.record('wait', '!', `${what}: gave up after ${(performance.now() - t).toFixed(0)} ms (${String((e as Error).message ?? e).split('\n')[0]})`);
      throw e;
    }
  }

  /** The retained entries, oldest first. */
  snapshot(): Entry[] {
    const out: Entry[] = [];
    for (let i = 0; i < this.capacity; i++) {
      const e = this.ring[(this.next + i) % this.capacity];
      if (e) out.push(e);
    }
    return out;
  }

  static format(entries: readonly Entry[]): string {
    return entries.map((e) => `  ${e.atMs.toFixed(1).padStart(9)}ms ${e.channel} ${e.dir} ${truncate(e.text, 300)}`).join('\n');
  }
}

function truncate(s: string, n: number): string {
  return s.length <= n ? s : `${s.slice(0, n)}... (${s.length} chars)`;
}
