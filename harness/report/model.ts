/** The report a run produces; every writer (JSON, JUnit, console) reads this. */
import type { CatalogId } from '../expect/catalog.js';
import type { Observation } from '../runner/evidence.js';

export type Outcome = 'passed' | 'failed' | 'skipped';

export interface BuildRef {
  readonly label: string;
  readonly spec: string;
  readonly version: string;
  readonly package: string;
  readonly path: string;
  readonly sha256: string;
  readonly accel: string;
  /** How it was started: with the machine's libraries, or its own (a Debian build newer than the machine). */
  readonly libraries?: string;
}

export interface CaseResult {
  /** Stable across builds: suite.device.case-slug. */
  readonly id: string;
  readonly suite: string;
  readonly title: string;
  readonly device: string;
  readonly qemu: BuildRef;
  readonly hostKernel: string;
  /** For cases on a passed-through device: the host device and the host property expectations depend on. */
  readonly hostDevice?: { readonly bdf: string; readonly noresize: boolean };
  readonly outcome: Outcome;
  readonly durationMs: number;
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
  readonly summary: { readonly passed: number; readonly failed: number; readonly skipped: number };
}

export function summarize(cases: readonly CaseResult[]): RunReport['summary'] {
  return {
    passed: cases.filter((c) => c.outcome === 'passed').length,
    failed: cases.filter((c) => c.outcome === 'failed').length,
    skipped: cases.filter((c) => c.outcome === 'skipped').length,
  };
}
