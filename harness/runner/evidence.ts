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

export type View = 'guest' | 'qemu' | 'host';

export interface Observation {
  readonly label: string;
  readonly view: View;
  readonly expected: unknown;
  readonly observed: unknown;
  readonly ok: boolean;
}

export class Evidence {
  readonly items: Observation[] = [];

  /** Record whether `observed` equals `expected` (deep, strict); a mismatch fails the case at its end. */
  expect<T>(label: string, observed: T, expected: T, view: View = 'guest'): boolean {
    const ok = isDeepStrictEqual(observed, expected);
    this.items.push({ label, view, expected: plain(expected), observed: plain(observed), ok });
    return ok;
  }

  /**
   * Where builds legitimately differ: `expected` from the build's trait. A
   * trait that could not be determined records the observation, unasserted.
   */
  expectPerTrait<T>(label: string, observed: T, trait: Trait, expected: (value: boolean) => T, view: View = 'guest'): boolean {
    if (trait.value === 'unknown') {
      this.items.push({ label, view, expected: `not asserted: trait unknown (${trait.source})`, observed: plain(observed), ok: true });
      return true;
    }
    return this.expect(label, observed, expected(trait.value), view);
  }

  /** As expect, but a mismatch fails the case now (what follows depends on it). */
  require<T>(label: string, observed: T, expected: T, view: View = 'guest'): void {
    if (!this.expect(label, observed, expected, view)) throw this.failure();
  }

  get mismatches(): Observation[] {
    return this.items.filter((o) => !o.ok);
  }

  /** At the end of a case: throws the failure naming every mismatch, if there was one. */
  settle(): void {
    if (this.mismatches.length) throw this.failure();
  }

  private failure(): AssertionError {
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

/** Arrays longer than this are shown as their differences only. */
const LONG_ARRAY = 8;

/** "view: label: expected X, observed Y"; for long arrays of the same length, only the entries that differ. */
export function describeMismatch(o: Pick<Observation, 'view' | 'label' | 'expected' | 'observed'>): string {
  const { expected: e, observed: v } = o;
  if (Array.isArray(e) && Array.isArray(v) && e.length === v.length && e.length > LONG_ARRAY) {
    const diffs = e.flatMap((x, i) => (isDeepStrictEqual(x, v[i]) ? [] : [`[${i}] expected ${show(x)}, observed ${show(v[i])}`]));
    return `${o.view}: ${o.label}: ${e.length} entries, ${diffs.length} differ: ${diffs.slice(0, 8).join('; ')}${diffs.length > 8 ? '; ...' : ''}`;
  }
  return `${o.view}: ${o.label}: expected ${show(e)}, observed ${show(v)}`;
}

function show(v: unknown): string {
  return typeof v === 'string' && v.startsWith('{') ? v : JSON.stringify(v);
}
