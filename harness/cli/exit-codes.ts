import type { Outcome } from '../results/run-report.js';

/** Exit codes of every command: the contract CI jobs rely on. */
export const ExitCode = {
  /** Every expectation held. */
  OK: 0,
  /** At least one case failed (with --strict, a known QEMU bug counts too). */
  FAILED: 1,
  /** Usage or environment error: nothing was judged. */
  USAGE: 2,
  /** No case failed, but at least one could not be judged (the harness or the environment erred). */
  ERROR: 3,
  /** Stopped by SIGINT (Ctrl-C) or SIGTERM, after cleaning up. */
  INTERRUPTED: 130,
  TERMINATED: 143,
} as const;

/** A run's exit code from its outcome counts. */
export function exitForSummary(s: Readonly<Record<Outcome, number>>, strict = false): number {
  if (s.failed > 0 || (strict && s.xfail > 0)) return ExitCode.FAILED;
  if (s.error > 0) return ExitCode.ERROR;
  return ExitCode.OK;
}
