/**
 * What a case compared: each expectation is recorded with the view it came
 * from (guest, QEMU, host), the expected and the observed value, and whether
 * they matched. A mismatch throws, after it is recorded.
 */
import { AssertionError } from 'node:assert';
import { isDeepStrictEqual } from 'node:util';

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

  /** Record and check that `observed` equals `expected` (deep, strict). */
  expect<T>(label: string, observed: T, expected: T, view: View = 'guest'): void {
    const ok = isDeepStrictEqual(observed, expected);
    this.items.push({ label, view, expected: plain(expected), observed: plain(observed), ok });
    if (!ok) {
      throw new AssertionError({ message: `${label}: expected ${show(expected)}, observed ${show(observed)}`, actual: observed, expected, operator: 'deepStrictEqual' });
    }
  }
}

/** JSON-safe copy: bigints as hex strings. */
function plain(v: unknown): unknown {
  if (typeof v === 'bigint') return `0x${v.toString(16)}`;
  if (Array.isArray(v)) return v.map(plain);
  if (v && typeof v === 'object') return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, plain(x)]));
  return v;
}

function show(v: unknown): string {
  return JSON.stringify(plain(v));
}
