/** The one ordering of QEMU versions (x.y.z as QEMU reports them), for expectations, known bugs and migration pairs. */
import type { QmpVersion } from '../protocol/qmp-client.js';

export type VersionLike = Pick<QmpVersion, 'major' | 'minor' | 'micro'>;

const parts = (v: VersionLike | string): [number, number, number] => {
  if (typeof v !== 'string') return [v.major, v.minor, v.micro];
  const [a = 0, b = 0, c = 0] = v.split('.').map(Number);
  return [a, b, c];
};

/** Negative, zero or positive as `a` is older than, the same as, or newer than `b`. */
export function compareVersions(a: VersionLike | string, b: VersionLike | string): number {
  const x = parts(a), y = parts(b);
  for (let i = 0; i < 3; i++) if (x[i] !== y[i]) return x[i]! - y[i]!;
  return 0;
}

/** True when `v` is at least "MAJOR.MINOR[.MICRO]". */
export function atLeast(v: VersionLike | string, min: string): boolean {
  return compareVersions(v, min) >= 0;
}
