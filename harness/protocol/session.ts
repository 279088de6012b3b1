/**
 * What the qtest and QMP clients share: one line channel, one timeline, and
 * the states a session moves through. A session serves calls only in its
 * working state; 'closing' (the harness is closing it), 'closed' (the
 * stream ended) and 'failed' (a timeout or malformed reply desynchronised
 * it) are terminal for callers, and every later call rejects at once with
 * the error that ended the session, never hangs.
 */
import type { Timeline } from '../timeline.js';
import { ChannelClosedError, HarnessError, OversizedLineError, WrongStateError } from '../errors.js';
import { describeClose, type CloseCause, type LineChannel } from './line-channel.js';

export type EndState = 'closing' | 'closed' | 'failed';

/**
 * Turns the end of the stream into the error callers should see (the
 * machine layer uses it to report QEMU's exit status). Must settle quickly.
 */
export type ExplainClose = (base: ChannelClosedError) => Promise<Error>;

export abstract class Session<Working extends string> {
  private _state: Working | EndState;
  /** The error every call gets once the session has ended. */
  protected terminalError: Error | undefined;

  protected constructor(
    protected readonly channel: LineChannel,
    protected readonly log: Timeline,
    initial: Working,
    private readonly explainClose: ExplainClose | undefined,
  ) {
    this._state = initial;
    channel.attach({ line: (l) => this.onLine(l), close: (c) => void this.onClose(c) });
  }

  get state(): Working | EndState {
    return this._state;
  }

  protected get ended(): boolean {
    return this._state === 'closing' || this._state === 'closed' || this._state === 'failed';
  }

  protected setState(s: Working): void {
    if (!this.ended) this._state = s;
  }

  /** The rejection for a call the session cannot serve in its current state. */
  protected refuse(operation: string): Promise<never> {
    return Promise.reject(this.terminalError ?? new WrongStateError(operation, this._state));
  }

  /** Close the session: in-flight calls reject now, later calls reject with the state 'closing' then 'closed'. */
  close(why = 'client closed'): void {
    if (this.ended) return;
    this._state = 'closing';
    const err = new WrongStateError(`finish (${why})`, 'closing');
    this.terminalError = err;
    this.rejectInFlight(err);
    this.channel.close(why);
  }

  /** One line from the peer. */
  protected abstract onLine(line: string): void;

  /** Reject every call in flight and every waiter with `err`. */
  protected abstract rejectInFlight(err: Error): void;

  /** Enter the terminal 'failed' state: the stream can no longer be trusted. */
  protected fail(err: HarnessError): void {
    if (this.ended) return;
    this._state = 'failed';
    this.terminalError = err;
    this.rejectInFlight(err);
    this.channel.close(err.message);
  }

  private async onClose(cause: CloseCause): Promise<void> {
    const closing = this._state === 'closing';
    if (this.ended && !closing) return;
    this.log.record(this.channel.name, '!', describeClose(cause));
    if (closing) {
      this._state = 'closed';
      return;
    }
    if (cause.kind === 'oversized') return this.fail(new OversizedLineError(this.channel.name, this.channel.maxLineBytes, this.log.snapshot()));
    const base = new ChannelClosedError(this.channel.name, describeClose(cause), this.log.snapshot());
    let error: Error = base;
    if (this.explainClose) error = await this.explainClose(base).catch(() => base);
    if (this.ended) return;
    this._state = 'closed';
    this.terminalError = error;
    this.rejectInFlight(error);
  }
}
