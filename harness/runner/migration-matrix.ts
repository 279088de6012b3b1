/**
 * `compare --migrate`: every migration case of a suite, saved on each build
 * and loaded on each build (source x destination), on the versioned machine
 * type of the older of the two, which both have. Which pairs are gated is
 * read off the results (results/migration-direction.ts).
 */
import type { QemuBuild } from '../builds/qemu-build.js';
import type { DevicePlugin } from '../devices/device-plugin.js';
import type { CaseResult } from '../results/run-report.js';
import type { CaseSpec, SuiteSpec } from '../case/case.js';
import { caseIdText, type CaseId } from '../case-id.js';
import { runSuites } from './run-suite.js';
import { inShard, type Shard } from './shard.js';
import { compareVersions } from '../expect/qemu-version.js';

/** The q35 machine type of the older build's release (newer builds keep older machine types). */
export function sharedMachineType(a: QemuBuild, b: QemuBuild): string {
  const older = compareVersions(a.version, b.version) <= 0 ? a : b;
  return `pc-q35-${older.version.major}.${older.version.minor}`;
}

/** Every migration case on every pair; each result names its destination (migratedTo). */
export async function runMigrationMatrix(o: {
  readonly suite: SuiteSpec;
  readonly builds: readonly QemuBuild[];
  readonly device: DevicePlugin;
  readonly onResult: (r: CaseResult) => void;
  readonly shard?: Shard;
}): Promise<CaseResult[]> {
  const cases = o.suite.cases.filter((c) => c.migrates);
  if (!cases.length) return [];
  const results: CaseResult[] = [];
  for (const from of o.builds) {
    for (const to of o.builds) {
      // A shard takes each source x destination pair on its own: the destination is part of the combination.
      const select = (c: CaseSpec, id: CaseId, b: QemuBuild) => !!c.migrates && inShard({ caseId: caseIdText(id), build: b.spec, kernel: 'host', migratedTo: to.spec }, o.shard);
      results.push(...(await runSuites({ suites: [o.suite], builds: [from], devices: [o.device], select, migration: { to, machineVersion: sharedMachineType(from, to) }, onResult: o.onResult })));
    }
  }
  return results;
}
