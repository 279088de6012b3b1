/**
 * compare --layout: for every device and versioned machine type that two or
 * more builds share, each build's layout against the reference: the build
 * of the release the machine type is named after where it is one of them,
 * else the oldest. A difference fails, unless it is a known layout break
 * (expect/known-layout-breaks.ts), which is named with its commit.
 */
import { compareVersions } from '../expect/qemu-version.js';
import { KNOWN_LAYOUT_BREAKS, type KnownLayoutBreak } from '../expect/known-layout-breaks.js';
import { layoutDifferences, releaseOf, type DeviceLayout, type LayoutDifference, type LayoutSurvey } from '../results/device-layout.js';

export interface SurveyedBuild {
  readonly label: string;
  /** x.y.z as QEMU reports it. */
  readonly version: string;
  readonly surveys: readonly LayoutSurvey[];
}

/** One build's cell for one device and machine type. */
export type LayoutCell =
  | { readonly kind: 'reference' }
  | { readonly kind: 'same' }
  | { readonly kind: 'differs'; readonly differences: readonly LayoutDifference[]; readonly known?: KnownLayoutBreak }
  | { readonly kind: 'left-out'; readonly reason: string }
  | { readonly kind: 'absent'; readonly reason: string };

export interface LayoutRow {
  readonly device: string;
  readonly machineType: string;
  readonly reference: string;
  /** By build label, in the order the builds were given. */
  readonly cells: ReadonlyMap<string, LayoutCell>;
}

export interface LayoutComparison {
  readonly builds: readonly string[];
  readonly machineTypes: readonly string[];
  readonly rows: readonly LayoutRow[];
  /** Differences no known layout break explains: each fails the comparison. */
  readonly failures: number;
  readonly known: number;
}

const majorMinor = (v: string) => v.split('.').slice(0, 2).join('.');

export function compareLayouts(builds: readonly SurveyedBuild[]): LayoutComparison {
  const byType = new Map<string, Map<string, LayoutSurvey>>();
  for (const b of builds) for (const s of b.surveys) (byType.get(s.machineType) ?? byType.set(s.machineType, new Map()).get(s.machineType)!).set(b.label, s);
  const shared = [...byType].filter(([, m]) => m.size >= 2).map(([t]) => t);
  const rows: LayoutRow[] = [];
  let failures = 0;
  let known = 0;
  for (const type of shared) {
    const surveys = byType.get(type)!;
    const devices = new Set([...surveys.values()].flatMap((s) => s.devices.map((d) => d.device)));
    for (const device of [...devices].sort()) {
      const layoutOn = (b: SurveyedBuild): DeviceLayout | undefined => {
        const r = surveys.get(b.label)?.devices.find((d) => d.device === device);
        return r && 'layout' in r ? r.layout : undefined;
      };
      const having = builds.filter((b) => layoutOn(b));
      if (having.length < 2) continue;
      const oldestFirst = [...having].sort((a, b) => compareVersions(a.version, b.version));
      const ref = having.find((b) => majorMinor(b.version) === releaseOf(type)) ?? oldestFirst[0]!;
      const cells = new Map<string, LayoutCell>();
      for (const b of builds) {
        const survey = surveys.get(b.label);
        const r = survey?.devices.find((d) => d.device === device);
        if (b === ref) cells.set(b.label, { kind: 'reference' });
        else if (!survey) cells.set(b.label, { kind: 'absent', reason: `no machine type ${type}` });
        else if (!r) cells.set(b.label, { kind: 'absent', reason: `no MSI-X ${device}` });
        else if ('leftOut' in r) cells.set(b.label, { kind: 'left-out', reason: r.leftOut });
        else {
          const differences = layoutDifferences(layoutOn(ref)!, r.layout);
          if (!differences.length) cells.set(b.label, { kind: 'same' });
          else {
            const k = knownBreak(device, differences, ref.version, b.version);
            if (k) known++;
            else failures++;
            cells.set(b.label, { kind: 'differs', differences, ...(k ? { known: k } : {}) });
          }
        }
      }
      rows.push({ device, machineType: type, reference: ref.label, cells });
    }
  }
  return { builds: builds.map((b) => b.label), machineTypes: shared, rows, failures, known };
}

/** The known break that explains every difference, where the two builds lie on either side of it. */
function knownBreak(device: string, differences: readonly LayoutDifference[], a: string, b: string): KnownLayoutBreak | undefined {
  const [older, newer] = compareVersions(a, b) <= 0 ? [a, b] : [b, a];
  return KNOWN_LAYOUT_BREAKS.find(
    (k) => k.device === device && compareVersions(older, k.introducedIn) < 0 && compareVersions(newer, k.introducedIn) >= 0 && differences.every((d) => k.fields.includes(d.field)),
  );
}
