/**
 * The scratch folder a cache entry is made in before it is renamed into
 * place: `ENTRY.partial-PID`. Every maker names it the same way, so `cache`
 * lists a killed run's leftover and `cache prune` removes it, while the
 * scratch of a run still alive is left to that run. Older harness versions
 * wrote `ENTRY.partial` with no pid: recognised too, as owned by nobody.
 */
const SCRATCH_RE = /\.partial(?:-(\d+))?$/;

/** Where this process makes `dir`. */
export function scratchDirFor(dir: string): string {
  return `${dir}.partial-${process.pid}`;
}

/** Whether a folder name is a scratch folder. */
export function isScratchName(name: string): boolean {
  return SCRATCH_RE.test(name);
}

/** The pid that made a scratch folder, if its name has one. */
export function scratchPid(name: string): number | undefined {
  const m = SCRATCH_RE.exec(name);
  return m?.[1] ? Number(m[1]) : undefined;
}
