/**
 * Which way a migration went, read off a result: the same build, forward
 * (older source, what QEMU supports) or backward. The matrix gates the
 * first two; a backward pair is shown, not gated.
 */
import type { BuildRef, CaseResult, Outcome } from './run-report.js';
import { compareVersions } from '../expect/qemu-version.js';

export type MigrationDirection = 'same' | 'forward' | 'backward';

export function migrationDirection(from: BuildRef, to: BuildRef): MigrationDirection {
  if (from.sha256 === to.sha256) return 'same';
  const order = compareVersions(from.version, to.version);
  return order < 0 ? 'forward' : order > 0 ? 'backward' : 'same';
}

const HOLDS: readonly Outcome[] = ['passed', 'skipped', 'xfail'];

/** Every same-build and forward migration passed (or could not apply to the device). */
export function migrationHolds(cases: readonly CaseResult[]): boolean {
  return cases.every((c) => !c.migratedTo || migrationDirection(c.qemu, c.migratedTo) === 'backward' || HOLDS.includes(c.outcome));
}
