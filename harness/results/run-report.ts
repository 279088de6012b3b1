/** The report a run produces; every writer (JSON, JUnit, console) reads this. */
import type { CatalogId } from '../expect/catalog.js';
import type { Observation } from './observation.js';
import type { Census } from './census.js';
import type { TimeParts } from '../time-ledger.js';

/**
 * What QEMU did in a case: `failed` QEMU misbehaved (an expectation did not
 * hold, or QEMU crashed or aborted during the case); `error` the harness or
 * the environment could not decide (setup timeout, missing tool, harness
 * exception).
 */
export type RawOutcome = 'passed' | 'failed' | 'error' | 'skipped';
/** The raw outcome judged against the known bugs: `xfail` a known bug on a build without its fix, `xpass` a pass where a known bug was due. */
export type Outcome = RawOutcome | 'xfail' | 'xpass';
export const OUTCOMES: readonly Outcome[] = ['passed', 'failed', 'error', 'skipped', 'xfail', 'xpass'];

export interface BuildRef {
  readonly label: string;
  readonly spec: string;
  readonly version: string;
  readonly package: string;
  readonly path: string;
  readonly sha256: string;
  readonly accel: string;
  /** Behaviour epochs detected from the build, each with its source. */
  readonly traits?: Readonly<Record<string, { readonly value: boolean | 'unknown'; readonly source: string }>>;
  /** How it was started: with the machine's libraries, or its own (a Debian build newer than the machine). */
  readonly libraries?: string;
}

export interface CaseResult {
  /** Stable across builds: suite.device.case-slug. */
  readonly id: string;
  readonly suite: string;
  readonly title: string;
  readonly device: string;
  /** The machine type, where it is not q35 (the id ends @machine then). */
  readonly machine?: string;
  readonly qemu: BuildRef;
  readonly hostKernel: string;
  /** For cases on a passed-through device: the host device and the host property expectations depend on. */
  readonly hostDevice?: { readonly bdf: string; readonly noresize: boolean };
  /** For a case run with `compare --migrate`: the build the device under test was migrated to (qemu is the source). */
  readonly migratedTo?: BuildRef;
  readonly outcome: Outcome;
  /** Before the known bugs were taken into account (bisect and the gate use this). Absent in older reports: then the outcome. */
  readonly rawOutcome?: RawOutcome;
  /** The known bug a failure (or unexpected pass) matched, with the hint for the reader. */
  readonly knownBug?: { readonly id: string; readonly fixedBy?: string; readonly hint: string };
  readonly durationMs: number;
  /** Where the case's time went: QEMU start, qtest, QMP, host reads, waits, shutdown, the rest (sums to about durationMs). */
  readonly time?: TimeParts;
  readonly pins: readonly CatalogId[];
  readonly evidence: readonly Observation[];
  readonly skipReason?: string;
  readonly error?: { readonly message: string; readonly stack?: string };
}

export interface RunReport {
  readonly tool: { readonly name: string; readonly version: string };
  readonly startedAt: string;
  readonly durationMs: number;
  readonly host: { readonly kernel: string; readonly node: string; readonly cpus: number };
  readonly builds: readonly BuildRef[];
  readonly cases: readonly CaseResult[];
  readonly summary: Readonly<Record<Outcome, number>>;
  /** With --device all: per build spec, every PCI device it offers and what became of each. */
  readonly census?: Readonly<Record<string, Census>>;
}

export function rawOutcome(c: Pick<CaseResult, 'outcome' | 'rawOutcome'>): RawOutcome {
  return c.rawOutcome ?? (c.outcome === 'xfail' ? 'failed' : c.outcome === 'xpass' ? 'passed' : c.outcome);
}

export function summarize(cases: readonly CaseResult[]): RunReport['summary'] {
  return Object.fromEntries(OUTCOMES.map((o) => [o, cases.filter((c) => c.outcome === o).length])) as Record<Outcome, number>;
}
