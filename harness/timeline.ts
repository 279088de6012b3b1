/**
 * A bounded record of the last protocol exchanges, kept so that any failure
 * can show what led to it without a rerun. Fixed-size ring: recording is one
 * array store, cheap enough for the qtest hot path.
 */
export type Direction = '>' | '<' | '!';

export interface Exchange {
  /** '>' sent by the harness, '<' received from the peer, '!' a note (timeout, close). */
  readonly dir: Direction;
  readonly channel: string;
  readonly text: string;
  /** Milliseconds since the log was created. */
  readonly atMs: number;
}

export class CallLog {
  private readonly ring: (Exchange | undefined)[];
  private next = 0;
  private readonly t0 = performance.now();

  constructor(readonly capacity = 64) {
    this.ring = new Array(capacity);
  }

  record(channel: string, dir: Direction, text: string): void {
    this.ring[this.next] = { dir, channel, text, atMs: performance.now() - this.t0 };
    this.next = (this.next + 1) % this.capacity;
  }

  /** The retained exchanges, oldest first. */
  snapshot(): Exchange[] {
    const out: Exchange[] = [];
    for (let i = 0; i < this.capacity; i++) {
      const e = this.ring[(this.next + i) % this.capacity];
      if (e) out.push(e);
    }
    return out;
  }

  static format(exchanges: readonly Exchange[]): string {
    return exchanges
      .map((e) => `  ${e.atMs.toFixed(1).padStart(9)}ms ${e.channel} ${e.dir} ${truncate(e.text, 300)}`)
      .join('\n');
  }
}

function truncate(s: string, n: number): string {
  return s.length <= n ? s : `${s.slice(0, n)}... (${s.length} chars)`;
}
