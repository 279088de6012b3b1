/** Exit codes of every command: the contract CI jobs rely on. */
export const ExitCode = {
  /** Every expectation held. */
  OK: 0,
  /** At least one case failed. */
  FAILED: 1,
  /** Usage or environment error: nothing was judged. */
  USAGE: 2,
  /** Stopped by SIGINT (Ctrl-C) or SIGTERM, after cleaning up. */
  INTERRUPTED: 130,
  TERMINATED: 143,
} as const;
