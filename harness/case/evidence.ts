/**
 * What a case compared: each expectation is recorded with the view it came
 * from (guest, QEMU, host), the expected and the observed value, and whether
 * they matched. Expectations are soft: a mismatch is recorded and the case
 * goes on, so a report always shows all three views; the case fails at its
 * end (settle()). `require` is for an observation the case cannot go on
 * without: it fails at once.
 */
import { AssertionError } from 'node:assert';
import { isDeepStrictEqual } from 'node:util';
import type { Trait } from '../expect/traits.js';
import { describeMismatch, type Observation, type View } from '../results/observation.js';

export { describeMismatch };

/** Expectations on one view: `ev.guest`, `ev.qemu` or `ev.host`. */
export class ViewEvidence {
  constructor(
    private readonly ev: Evidence,
    readonly view: View,
  ) {}

  /** Record whether `observed` equals `expected` (deep, strict); a mismatch fails the case at its end. */
  expect<T>(label: string, observed: T, expected: T): boolean {
    return this.ev.record(this.view, label, observed, expected);
  }

  /**
   * Where builds legitimately differ: `expected` from the build's trait. A
   * trait that could not be determined records the observation, unasserted.
   */
  expectPerTrait<T>(label: string, observed: T, trait: Trait, expected: (value: boolean) => T): boolean {
    if (trait.value === 'unknown') {
      this.ev.items.push({ label, view: this.view, expected: `not asserted: trait unknown (${trait.source})`, observed: plain(observed), ok: true });
      return true;
    }
    return this.expect(label, observed, expected(trait.value));
  }

  /** As expect, but a mismatch fails the case now (what follows depends on it). */
  require<T>(label: string, observed: T, expected: T): void {
    if (!this.expect(label, observed, expected)) throw this.ev.failure();
  }

  /** Record what was seen, asserting nothing (context for the report, such as what changed on the host). */
  note(label: string, observed: unknown): void {
    this.ev.items.push({ label, view: this.view, expected: 'not asserted (recorded)', observed: plain(observed), ok: true });
  }
}

export class Evidence {
  readonly items: Observation[] = [];
  readonly guest = new ViewEvidence(this, 'guest');
  readonly qemu = new ViewEvidence(this, 'qemu');
  readonly host = new ViewEvidence(this, 'host');

  /** Record one comparison on `view`. */
  record<T>(view: View, label: string, observed: T, expected: T): boolean {
    const ok = isDeepStrictEqual(observed, expected);
    this.items.push({ label, view, expected: plain(expected), observed: plain(observed), ok });
    return ok;
  }

  get mismatches(): Observation[] {
    return this.items.filter((o) => !o.ok);
  }

  /** At the end of a case: throws the failure naming every mismatch, if there was one. */
  settle(): void {
    if (this.mismatches.length) throw this.failure();
  }

  /** The failure naming every mismatch so far. */
  failure(): AssertionError {
    const m = this.mismatches;
    const first = m[0]!;
    const lines = m.map(describeMismatch);
    return new AssertionError({ message: m.length === 1 ? lines[0]! : `${m.length} expectations failed:\n  ${lines.join('\n  ')}`, actual: first.observed, expected: first.expected, operator: 'deepStrictEqual' });
  }
}

/** Boolean arrays of three or more (PBA, masks: one per vector) read better as the set of their true indexes. */
const BITSET_MIN = 3;

/** JSON-safe and readable copy: bigints as hex strings, bit arrays as sets of vector numbers ("{0, 64}"). */
export function plain(v: unknown): unknown {
  if (typeof v === 'bigint') return `0x${v.toString(16)}`;
  if (Array.isArray(v)) {
    if (v.length >= BITSET_MIN && v.every((x) => typeof x === 'boolean')) return `{${v.flatMap((x, i) => (x ? [i] : [])).join(', ')}}`;
    return v.map(plain);
  }
  if (v && typeof v === 'object') return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, plain(x)]));
  return v;
}
