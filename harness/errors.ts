/**
 * Every error the harness raises, under one root. `kind` says what happened
 * in a form code can switch on; the fields carry the facts (the command
 * sent, the exit status, QEMU's stderr, the timeline that led there), and
 * the message says them in words for a person.
 */
import { Timeline, type Entry } from './timeline.js';

export type ErrorKind =
  /** The user must change something (exit code 2 at the CLI); the error says what. */
  | 'environment'
  | 'qemu-start'
  | 'qemu-exited'
  | 'box'
  | 'timeout'
  | 'closed'
  | 'malformed'
  | 'oversized'
  | 'invalid-argument'
  | 'wrong-state'
  | 'qtest-command'
  | 'qmp-command'
  | 'unsupported'
  /** QEMU reported a migration it was asked for as failed. */
  | 'migration-failed'
  /** An interrupt QEMU should have delivered to the guest never came. */
  | 'missing-delivery'
  /** An interrupt QEMU should have caused on the host never reached the host's count. */
  | 'missing-host-interrupt'
  /** A hot-plug step QEMU should have taken (a slot's event, the device gone or back) never came. */
  | 'hotplug-stalled';

export abstract class HarnessError extends Error {
  abstract readonly kind: ErrorKind;
  constructor(
    message: string,
    /** The timeline entries (protocol exchanges, QEMU stderr, waits) that led here, oldest first. */
    readonly exchanges: readonly Entry[] = [],
  ) {
    super(message);
    this.name = new.target.name;
  }
}

/** Kinds that mean QEMU misbehaved (a case failure), as opposed to the harness or the machine being unable to judge. */
export const QEMU_FAULT_KINDS: ReadonlySet<ErrorKind> = new Set(['qemu-exited', 'migration-failed', 'missing-delivery', 'missing-host-interrupt', 'hotplug-stalled']);

export class EnvironmentError extends HarnessError {
  readonly kind = 'environment';
  constructor(
    message: string,
    /** What the user should do about it. */
    readonly fix: string,
  ) {
    super(`${message}\n  fix: ${fix}`);
  }
}

export interface ExitStatus {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
}

export function describeExit(s: ExitStatus): string {
  if (s.signal) return `killed by ${s.signal}`;
  return `exit code ${s.code}`;
}

/** QEMU went away while the harness needed it: exit status, stderr and the timeline. */
export class QemuExitedError extends HarnessError {
  readonly kind = 'qemu-exited';
  constructor(
    readonly status: ExitStatus,
    readonly stderrTail: string,
    exchanges: readonly Entry[],
    readonly during: string,
  ) {
    super(
      `QEMU exited (${describeExit(status)}) during ${during}` +
        (stderrTail ? `\nQEMU stderr (last lines):\n${indent(stderrTail)}` : '\nQEMU stderr: (empty)') +
        (exchanges.length ? `\nlast exchanges:\n${Timeline.format(exchanges)}` : ''),
      exchanges,
    );
  }
}

/** QEMU did not come up (bad arguments, missing device, crash at start). */
export class QemuStartError extends HarnessError {
  readonly kind = 'qemu-start';
  constructor(
    readonly reason: string,
    readonly commandLine: readonly string[],
    readonly stderrTail: string,
  ) {
    super(`QEMU failed to start: ${reason}\ncommand: ${commandLine.join(' ')}\nQEMU stderr:\n${indent(stderrTail || '(empty)')}`);
  }

  /**
   * What QEMU said, its program name cut: the first line (its complaint) or
   * the last (its last words before dying), and without the "-device X:"
   * prefix unless asked for (it names the device that was refused).
   */
  said(which: 'first' | 'last' = 'first', o: { keepDevice?: boolean } = {}): string {
    const prefix = o.keepDevice ? /^.*?qemu-system-x86_64: / : /^.*?qemu-system-x86_64: (-device [^:]*: )?/;
    const lines = this.stderrTail.split('\n').map((l) => l.replace(prefix, '').trim()).filter((l) => l);
    return (which === 'first' ? lines[0] : lines.at(-1)) ?? this.reason;
  }
}

/** The box did not get to report the command's exit code: why, and the console lines that led there. */
export class BoxError extends HarnessError {
  readonly kind = 'box';
  constructor(
    readonly reason: string,
    readonly consoleTail: readonly string[],
    readonly commandLine: readonly string[],
    /** The kernel died while booting, before the command started: nothing of the command's doing. */
    readonly duringBoot = false,
  ) {
    super(`nested host (box) failed: ${reason}\nlast ${consoleTail.length} console lines:\n${consoleTail.map((l) => `  | ${l}`).join('\n') || '  (none)'}\nouter QEMU: ${commandLine.join(' ')}`);
  }
}

/** A reply or event did not come within the time allowed. A protocol stream is unusable afterwards. */
export class ProtocolTimeoutError extends HarnessError {
  readonly kind = 'timeout';
  constructor(
    readonly waitedFor: string,
    readonly timeoutMs: number,
    exchanges: readonly Entry[],
  ) {
    super(`timed out after ${timeoutMs} ms waiting for ${waitedFor}`, exchanges);
  }
}

/** The peer closed the stream (or it was closed locally) while something was in flight. */
export class ChannelClosedError extends HarnessError {
  readonly kind = 'closed';
  constructor(
    readonly channel: string,
    readonly detail: string,
    exchanges: readonly Entry[],
  ) {
    super(`${channel} channel closed: ${detail}`, exchanges);
  }
}

/** The peer sent something the protocol does not allow. The stream is unusable afterwards. */
export class MalformedReplyError extends HarnessError {
  readonly kind = 'malformed';
  constructor(
    readonly channel: string,
    readonly received: string,
    readonly expected: string,
    exchanges: readonly Entry[],
  ) {
    super(`malformed ${channel} reply: expected ${expected}, got ${JSON.stringify(received.slice(0, 200))}`, exchanges);
  }
}

/** A line longer than the channel's limit: refused rather than buffered without bound. */
export class OversizedLineError extends HarnessError {
  readonly kind = 'oversized';
  constructor(
    readonly channel: string,
    readonly limit: number,
    exchanges: readonly Entry[],
  ) {
    super(`${channel} peer sent a line longer than ${limit} bytes; closing the channel`, exchanges);
  }
}

/** An argument that would make QEMU abort (qtest parses with assertions); refused before sending. */
export class InvalidArgumentError extends HarnessError {
  readonly kind = 'invalid-argument';
}

/** A call made in a state that cannot serve it (closing, closed, failed, not yet negotiated). */
export class WrongStateError extends HarnessError {
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
export class QtestCommandError extends HarnessError {
  readonly kind = 'qtest-command';
  constructor(
    readonly command: string,
    readonly reply: string,
    exchanges: readonly Entry[],
  ) {
    super(`qtest command ${JSON.stringify(command)} failed: ${reply}`, exchanges);
  }
}

/** The feature is not available with how this QEMU was started (e.g. clock_step without the qtest accelerator). */
export class UnsupportedCommandError extends HarnessError {
  readonly kind = 'unsupported';
}

/** QMP answered with an error object. */
export class QmpCommandError extends HarnessError {
  readonly kind = 'qmp-command';
  constructor(
    readonly command: string,
    readonly errorClass: string,
    readonly desc: string,
    exchanges: readonly Entry[],
  ) {
    super(`QMP ${command} failed: ${errorClass}: ${desc}`, exchanges);
  }
}

/** QEMU reported the migration failed (query-migrate status "failed"), with its own reason. */
export class MigrationFailedError extends HarnessError {
  readonly kind = 'migration-failed';
  constructor(
    readonly direction: 'outgoing' | 'incoming',
    readonly reason: string,
    exchanges: readonly Entry[],
  ) {
    super(`QEMU reports the ${direction} migration failed: ${reason}`, exchanges);
  }
}

/** A message the guest waited for never reached its mailbox slot. */
export class MissingDeliveryError extends HarnessError {
  readonly kind = 'missing-delivery';
  constructor(
    readonly slot: number,
    readonly waitedMs: number,
    readonly expected: number,
    readonly found: number,
  ) {
    super(`no MSI delivery to mailbox slot ${slot} within ${waitedMs} ms (expected data 0x${expected.toString(16)}, found 0x${found.toString(16)})`);
  }
}

/** The host's count on a vfio line did not rise as far as QEMU's fires should have taken it. */
export class MissingHostInterruptError extends HarnessError {
  readonly kind = 'missing-host-interrupt';
  constructor(
    readonly line: string,
    readonly atLeast: number,
    readonly waitedMs: number,
    readonly last: number | undefined,
  ) {
    super(`host count of ${line} did not reach ${atLeast} within ${waitedMs} ms (last read: ${last ?? 'no such line'})`);
  }
}

/** The device cannot be unplugged at all: QEMU says so (device_del), or the machine's hot-plug does not offer its slot as removable. */
export class NotHotpluggableError extends HarnessError {
  readonly kind = 'unsupported';
  constructor(readonly why: string) {
    super(`the device cannot be hot-unplugged: ${why}`);
  }
}

/** QEMU refused a device_add: the device is not in QOM afterwards (a build or device that does not hot-plug this way). */
export class HotAddRefusedError extends HarnessError {
  readonly kind = 'unsupported';
  constructor(
    readonly line: string,
    readonly said: string,
  ) {
    super(`QEMU would not hot-plug the device (device_add ${line}): ${said || 'it said nothing'}`);
  }
}

/** The guest waited for QEMU's side of a hot-plug handshake, and it never came. */
export class HotplugStalledError extends HarnessError {
  readonly kind = 'hotplug-stalled';
  constructor(
    readonly step: string,
    readonly waitedMs: number,
    readonly last: string,
  ) {
    super(`hot-plug: ${step} did not happen within ${waitedMs} ms (last seen: ${last})`);
  }
}

function indent(s: string): string {
  return s
    .split('\n')
    .map((l) => `  | ${l}`)
    .join('\n');
}

/** Thrown by a case body (or the device under test for it) that finds, once the device is up, that the case does not apply (reported as a skip, with the message). */
export class NotApplicable extends Error {
  override readonly name = 'NotApplicable';
}
