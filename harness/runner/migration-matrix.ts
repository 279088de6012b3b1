/**
 * `compare --migrate`: every migration case of a suite on every migratable
 * device, saved on each build and loaded on each build (source x
 * destination), on versioned machine types both have: those named after
 * either build's release, or every one they share. Which pairs are gated is
 * read off the results (results/migration-direction.ts).
 */
import type { QemuBuild } from '../builds/qemu-build.js';
import type { DevicePlugin } from '../devices/device-plugin.js';
import type { CaseResult } from '../results/run-report.js';
import type { CaseSpec, SuiteSpec } from '../case/case.js';
import { caseIdText, type CaseId } from '../case-id.js';
import { runSuites } from './run-suite.js';
import { inShard, type Shard } from './shard.js';
import { compareMachineTypes, machineOf, releaseOf } from '../results/device-layout.js';
import { machineTypesOf } from './layout-survey.js';

/** Which versioned machine types a pair migrates on: those named after either build's release (q35 and i440fx), or all they share. */
export type MigrationMachineTypes = 'releases' | 'all';

/** The types of `shared` a pair migrates on; with none named after either release, the newest q35 type they share. */
export function migrationMachineTypes(shared: readonly string[], a: QemuBuild, b: QemuBuild, choice: MigrationMachineTypes): string[] {
  if (choice === 'all') return [...shared];
  const named = new Set([a, b].map((x) => `${x.version.major}.${x.version.minor}`));
  const picked = shared.filter((t) => named.has(releaseOf(t)));
  const newestQ35 = shared.filter((t) => machineOf(t) === 'q35').at(-1);
  return picked.length ? picked : newestQ35 ? [newestQ35] : [];
}

/** Every migration case on every pair, device and machine type chosen; each result names its destination (migratedTo) and its type (the id's @type). */
export async function runMigrationMatrix(o: {
  readonly suite: SuiteSpec;
  readonly builds: readonly QemuBuild[];
  readonly devices: readonly DevicePlugin[];
  readonly machineTypes?: MigrationMachineTypes;
  readonly onResult: (r: CaseResult) => void;
  readonly progress?: (m: string) => void;
  readonly shard?: Shard;
}): Promise<CaseResult[]> {
  const cases = o.suite.cases.filter((c) => c.migrates);
  if (!cases.length) return [];
  const typesOf = new Map(await Promise.all(o.builds.map(async (b) => [b, new Set(await machineTypesOf(b))] as const)));
  const results: CaseResult[] = [];
  for (const from of o.builds) {
    for (const to of o.builds) {
      const shared = [...typesOf.get(from)!].filter((t) => typesOf.get(to)!.has(t)).sort(compareMachineTypes);
      const types = migrationMachineTypes(shared, from, to, o.machineTypes ?? 'releases');
      o.progress?.(`migration ${from.label} -> ${to.label}: ${types.join(', ') || 'no shared machine type'}`);
      for (const type of types) {
        // A shard takes each source x destination pair on its own: the destination is part of the combination.
        const select = (c: CaseSpec, id: CaseId, b: QemuBuild) => !!c.migrates && inShard({ caseId: caseIdText(id), build: b.spec, kernel: 'host', migratedTo: to.spec }, o.shard);
        results.push(...(await runSuites({ suites: [o.suite], builds: [from], devices: o.devices, machines: [machineOf(type)], select, migration: { to, machineVersion: type }, onResult: o.onResult })));
      }
    }
  }
  return results;
}
