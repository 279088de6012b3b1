/**
 * One combination of the matrix: a case on a build, on a host kernel, and for
 * `compare --migrate` migrated to a destination build. Its key is the one
 * identity that shards select, `merge` de-duplicates and the comparison's
 * columns are made of; anything that tells two results apart belongs here.
 */
import type { CaseResult } from './run-report.js';

export interface Combination {
  readonly caseId: string;
  /** The build's spec as named (`debian:bookworm`, a path). */
  readonly build: string;
  /** Before a run, the kernel as the plan names it (a box series, or "host"); in a result, the kernel it ran on. */
  readonly kernel: string;
  /** The destination build's spec of a migration case. */
  readonly migratedTo?: string;
  /** The accelerator where it is a run's choice (kvm-split, kvm-on); absent for the build's own (qtest, or TCG stopped). */
  readonly accel?: string;
}

/** Accelerators a run chooses, which make a combination of their own. */
const CHOSEN_ACCEL = /^kvm-/;

export function combinationKey(c: Combination): string {
  return `${c.caseId}@${c.build}${c.accel ? `+${c.accel}` : ''}@${c.kernel}${c.migratedTo !== undefined ? `->${c.migratedTo}` : ''}`;
}

/** The combination a result is of. */
export function combinationOf(r: CaseResult): Combination {
  return { caseId: r.id, build: r.qemu.spec, kernel: r.hostKernel, ...(r.migratedTo ? { migratedTo: r.migratedTo.spec } : {}), ...(CHOSEN_ACCEL.test(r.qemu.accel) ? { accel: r.qemu.accel } : {}) };
}

/** Where a combination's build and kernel are shown to a reader. */
export function describeCombination(c: Combination): string {
  return `${c.caseId} on ${c.build}${c.accel ? ` under ${c.accel}` : ''}${c.migratedTo !== undefined ? ` migrated to ${c.migratedTo}` : ''} (${c.kernel})`;
}
