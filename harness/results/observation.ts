/** One thing a case compared, as every report shows it: the view it came from, expected and observed. */
import { isDeepStrictEqual } from 'node:util';

export type View = 'guest' | 'qemu' | 'host';

export interface Observation {
  readonly label: string;
  readonly view: View;
  readonly expected: unknown;
  readonly observed: unknown;
  readonly ok: boolean;
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
