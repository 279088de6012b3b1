/**
 * `compare --migrate`: every migration case of a suite, saved on each build
 * and loaded on each build (source x destination), on the versioned machine
 * type of the older of the two, which both have. A forward pair (older
 * source) and a same-build pair are what QEMU supports: they must pass. A
 * backward pair is shown with what QEMU said, and does not fail the run.
 */
import type { QemuBuild } from '../builds/qemu-build.js';
import type { DevicePlugin } from '../devices/device-plugin.js';
import type { CaseResult, Outcome } from '../results/run-report.js';
import type { SuiteSpec } from './case.js';
import { runSuites } from './run-suite.js';

export type Direction = 'same' | 'forward' | 'backward';

export interface MigrationCell {
  readonly from: QemuBuild;
  readonly to: QemuBuild;
  readonly direction: Direction;
  readonly machineVersion: string;
  readonly results: readonly CaseResult[];
}

const order = (b: QemuBuild) => [b.version.major, b.version.minor, b.version.micro] as const;

function compareVersions(a: QemuBuild, b: QemuBuild): number {
  const x = order(a), y = order(b);
  for (let i = 0; i < 3; i++) if (x[i] !== y[i]) return x[i]! - y[i]!;
  return 0;
}

export function direction(from: QemuBuild, to: QemuBuild): Direction {
  const c = compareVersions(from, to);
  return from.sha256 === to.sha256 || c === 0 ? 'same' : c < 0 ? 'forward' : 'backward';
}

/** The q35 machine type of the older build's release (newer builds keep older machine types). */
export function sharedMachineType(a: QemuBuild, b: QemuBuild): string {
  const older = compareVersions(a, b) <= 0 ? a : b;
  return `pc-q35-${older.version.major}.${older.version.minor}`;
}

export async function runMigrationMatrix(o: {
  readonly suite: SuiteSpec;
  readonly builds: readonly QemuBuild[];
  readonly device: DevicePlugin;
  readonly onResult: (r: CaseResult) => void;
}): Promise<MigrationCell[]> {
  const cases = o.suite.cases.filter((c) => c.migrates);
  if (!cases.length) return [];
  const grep = `^${o.suite.name}\\.${o.device.name}\\.(${cases.map((c) => c.slug).join('|')}) `;
  const cells: MigrationCell[] = [];
  for (const from of o.builds) {
    for (const to of o.builds) {
      const machineVersion = sharedMachineType(from, to);
      const results = await runSuites({ suites: [o.suite], builds: [from], devices: [o.device], grep, migration: { to, machineVersion }, onResult: o.onResult });
      cells.push({ from, to, direction: direction(from, to), machineVersion, results });
    }
  }
  return cells;
}

/** Whether the matrix holds: every same-build and forward pair passed. */
export function migrationHolds(cells: readonly MigrationCell[]): boolean {
  const ok: readonly Outcome[] = ['passed', 'skipped', 'xfail'];
  return cells.every((c) => c.direction === 'backward' || c.results.every((r) => ok.includes(r.outcome)));
}
