/**
 * A newline-framed text stream over a socket: the transport under both the
 * qtest and the QMP clients. It knows nothing of either protocol; it frames
 * lines, bounds their length and reports the end of the stream once.
 */
import net from 'node:net';
import { ChannelClosedError } from '../errors.js';

export type ChannelState = 'open' | 'closed';

export interface LineChannelOptions {
  readonly name: string;
  /** Longest line accepted from the peer; a longer one closes the channel. */
  readonly maxLineBytes?: number;
  readonly encoding?: 'latin1' | 'utf8';
}

export type CloseCause = { readonly kind: 'eof' } | { readonly kind: 'error'; readonly error: Error } | { readonly kind: 'oversized' } | { readonly kind: 'local'; readonly why: string };

export interface LineHandlers {
  line(line: string): void;
  close(cause: CloseCause): void;
}

export const DEFAULT_MAX_LINE_BYTES = 16 * 1024 * 1024;

export class LineChannel {
  readonly name: string;
  readonly maxLineBytes: number;
  private buf = '';
  private handlers: LineHandlers | undefined;
  private pendingClose: CloseCause | undefined;
  private _state: ChannelState = 'open';

  constructor(
    private readonly socket: net.Socket,
    opts: LineChannelOptions,
  ) {
    this.name = opts.name;
    this.maxLineBytes = opts.maxLineBytes ?? DEFAULT_MAX_LINE_BYTES;
    socket.setEncoding(opts.encoding ?? 'utf8');
    socket.setNoDelay?.(true);
    socket.on('data', (chunk: string) => this.onData(chunk));
    socket.on('error', (error) => this.finish({ kind: 'error', error }));
    socket.on('close', () => this.finish({ kind: 'eof' }));
  }

  get state(): ChannelState {
    return this._state;
  }

  /** Attach the single consumer. Lines that arrived before are not buffered: attach right after creating. */
  attach(handlers: LineHandlers): void {
    this.handlers = handlers;
    if (this.pendingClose) handlers.close(this.pendingClose);
  }

  /** Write raw text; the caller supplies the newlines (so a batch is one write). Throws on a closed channel. */
  write(text: string): void {
    if (this._state !== 'open') throw new ChannelClosedError(this.name, `write of ${JSON.stringify(text.slice(0, 80))} after the channel closed`, []);
    this.socket.write(text);
  }

  close(why: string): void {
    this.finish({ kind: 'local', why });
  }

  private onData(chunk: string): void {
    const data = this.buf.length ? this.buf + chunk : chunk;
    let start = 0;
    let nl: number;
    while ((nl = data.indexOf('\n', start)) !== -1) {
      let end = nl;
      if (end > start && data.charCodeAt(end - 1) === 13) end--;
      const line = data.slice(start, end);
      start = nl + 1;
      if (line.length > this.maxLineBytes) return this.finish({ kind: 'oversized' });
      this.handlers?.line(line);
      if (this._state !== 'open') return;
    }
    this.buf = start === 0 ? data : data.slice(start);
    if (this.buf.length > this.maxLineBytes) this.finish({ kind: 'oversized' });
  }

  private finish(cause: CloseCause): void {
    if (this._state === 'closed') return;
    this._state = 'closed';
    this.buf = '';
    this.socket.destroy();
    if (this.handlers) this.handlers.close(cause);
    else this.pendingClose = cause;
  }
}

/** Describe a close cause in words, for error messages. */
export function describeClose(cause: CloseCause): string {
  switch (cause.kind) {
    case 'eof':
      return 'peer closed the connection';
    case 'error':
      return `socket error: ${cause.error.message}`;
    case 'oversized':
      return 'peer sent an oversized line';
    case 'local':
      return `closed by the harness (${cause.why})`;
  }
}
