/** Version comparisons for expectations that depend on the QEMU build. */
import type { QmpVersion } from '../protocol/qmp-client.js';

export type VersionLike = Pick<QmpVersion, 'major' | 'minor' | 'micro'>;

/** True when `v` is at least "MAJOR.MINOR[.MICRO]". */
export function atLeast(v: VersionLike, min: string): boolean {
  const [a = 0, b = 0, c = 0] = min.split('.').map(Number);
  if (v.major !== a) return v.major > a;
  if (v.minor !== b) return v.minor > b;
  return v.micro >= c;
}
