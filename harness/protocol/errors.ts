/**
 * Protocol-level errors. Each carries the exchanges that led to it, so a
 * failure report shows the last commands and replies without a rerun.
 */
import { CallLog, type Exchange } from '../timeline.js';

export abstract class ProtocolError extends Error {
  abstract readonly kind: string;
  constructor(
    message: string,
    readonly exchanges: readonly Exchange[] = [],
  ) {
    super(message);
    this.name = new.target.name;
  }

  /** Message plus the call log, for humans. */
  describe(): string {
    if (this.exchanges.length === 0) return this.message;
    return `${this.message}\nlast exchanges:\n${CallLog.format(this.exchanges)}`;
  }
}

/** A reply did not come within the time allowed. The stream is unusable afterwards. */
export class ProtocolTimeoutError extends ProtocolError {
  readonly kind = 'timeout';
  constructor(
    readonly waitedFor: string,
    readonly timeoutMs: number,
    exchanges: readonly Exchange[],
  ) {
    super(`timed out after ${timeoutMs} ms waiting for ${waitedFor}`, exchanges);
  }
}

/** The peer closed the stream (or it was closed locally) while something was in flight. */
export class ChannelClosedError extends ProtocolError {
  readonly kind = 'closed';
  constructor(
    readonly channel: string,
    readonly detail: string,
    exchanges: readonly Exchange[],
  ) {
    super(`${channel} channel closed: ${detail}`, exchanges);
  }
}

/** The peer sent something the protocol does not allow. The stream is unusable afterwards. */
export class MalformedReplyError extends ProtocolError {
  readonly kind = 'malformed';
  constructor(
    readonly channel: string,
    readonly received: string,
    readonly expected: string,
    exchanges: readonly Exchange[],
  ) {
    super(`malformed ${channel} reply: expected ${expected}, got ${JSON.stringify(received.slice(0, 200))}`, exchanges);
  }
}

/** A line longer than the channel's limit: refused rather than buffered without bound. */
export class OversizedLineError extends ProtocolError {
  readonly kind = 'oversized';
  constructor(
    readonly channel: string,
    readonly limit: number,
    exchanges: readonly Exchange[],
  ) {
    super(`${channel} peer sent a line longer than ${limit} bytes; closing the channel`, exchanges);
  }
}

/** An argument that would make QEMU abort (qtest parses with assertions); refused before sending. */
export class InvalidArgumentError extends ProtocolError {
  readonly kind = 'invalid-argument';
  constructor(message: string) {
    super(message);
  }
}

/** A call made in a state that cannot serve it (closed, failed, not yet negotiated). */
export class WrongStateError extends ProtocolError {
  readonly kind = 'wrong-state';
  constructor(
    readonly operation: string,
    readonly state: string,
    override readonly cause?: Error,
  ) {
    super(`cannot ${operation}: client is ${state}${cause ? ` (${cause.message})` : ''}`);
  }
}

/** qtest answered FAIL or ERR. */
export class QtestCommandError extends ProtocolError {
  readonly kind = 'qtest-command';
  constructor(
    readonly command: string,
    readonly reply: string,
    exchanges: readonly Exchange[],
  ) {
    super(`qtest command ${JSON.stringify(command)} failed: ${reply}`, exchanges);
  }
}

/** The feature is not available with how this QEMU was started (e.g. clock_step without the qtest accelerator). */
export class UnsupportedCommandError extends ProtocolError {
  readonly kind = 'unsupported';
  constructor(message: string) {
    super(message);
  }
}

/** QMP answered with an error object. */
export class QmpCommandError extends ProtocolError {
  readonly kind = 'qmp-command';
  constructor(
    readonly command: string,
    readonly errorClass: string,
    readonly desc: string,
    exchanges: readonly Exchange[],
  ) {
    super(`QMP ${command} failed: ${errorClass}: ${desc}`, exchanges);
  }
}
