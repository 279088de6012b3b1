/**
 * Errors of the QEMU layer. EnvironmentError is "the user must change
 * something" (exit code 2 at the CLI) and always says what to do.
 */
import { CallLog, type Exchange } from './timeline.js';

export class EnvironmentError extends Error {
  constructor(
    message: string,
    /** What the user should do about it. */
    readonly fix: string,
  ) {
    super(`${message}\n  fix: ${fix}`);
    this.name = 'EnvironmentError';
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

/** QEMU went away while the harness needed it: exit status, stderr and the last exchanges. */
export class QemuExitedError extends Error {
  constructor(
    readonly status: ExitStatus | 'still running',
    readonly stderrTail: string,
    readonly exchanges: readonly Exchange[],
    readonly during: string,
  ) {
    const how = status === 'still running' ? 'closed its protocol socket but is still running' : `exited (${describeExit(status)})`;
    super(
      `QEMU ${how} during ${during}` +
        (stderrTail ? `\nQEMU stderr (last lines):\n${indent(stderrTail)}` : '\nQEMU stderr: (empty)') +
        (exchanges.length ? `\nlast exchanges:\n${CallLog.format(exchanges)}` : ''),
    );
    this.name = 'QemuExitedError';
  }
}

/** QEMU did not come up (bad arguments, missing device, crash at start). */
export class QemuStartError extends Error {
  constructor(
    readonly reason: string,
    readonly commandLine: readonly string[],
    readonly stderrTail: string,
  ) {
    super(`QEMU failed to start: ${reason}\ncommand: ${commandLine.join(' ')}\nQEMU stderr:\n${indent(stderrTail || '(empty)')}`);
    this.name = 'QemuStartError';
  }
}

function indent(s: string): string {
  return s
    .split('\n')
    .map((l) => `  | ${l}`)
    .join('\n');
}
