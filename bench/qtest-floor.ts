/**
 * The floor for qtest throughput: the smallest client that can do the same
 * exchange with the same QEMU (raw socket, no validation, no log, no types).
 */
import type net from 'node:net';

export class FloorClient {
  private buf = '';
  private count = 0;
  private want = 0;
  private wake: (() => void) | undefined;

  constructor(private readonly s: net.Socket) {
    s.setEncoding('latin1');
    s.on('data', (d: string) => {
      this.buf += d;
      let i: number;
      while ((i = this.buf.indexOf('\n')) !== -1) {
        this.buf = this.buf.slice(i + 1);
        this.count++;
      }
      if (this.wake && this.count >= this.want) {
        const w = this.wake;
        this.wake = undefined;
        w();
      }
    });
  }

  /** Send raw text holding `lines` commands and wait for as many replies. */
  exchange(text: string, lines: number): Promise<void> {
    this.want = this.count + lines;
    return new Promise((r) => {
      this.wake = r;
      this.s.write(text);
    });
  }
}
