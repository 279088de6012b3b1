/**
 * `msix-harness compare --layout`: every MSI-X device of every build named,
 * on every versioned machine type two or more of them share, must show the
 * guest the same layout as the release the machine type is named after.
 */
import { compareLayouts } from '../matrix/layout-comparison.js';
import { layoutText } from '../report/layout-text.js';
import { machineTypesOf, surveyLayouts } from '../runner/layout-survey.js';
import { versionString } from '../builds/qemu-build.js';
import { EnvironmentError } from '../errors.js';
import { ExitCode } from './exit-codes.js';
import { resolveBuilds, type BuildChoice } from './run-command.js';

export async function compareLayoutCommand(a: BuildChoice): Promise<number> {
  const progress = (m: string) => process.stderr.write(`${m}\n`);
  const builds = await resolveBuilds(a, progress);
  if (builds.length < 2) throw new EnvironmentError('compare --layout needs two or more builds', 'name them with --qemu (e.g. --qemu debian:bullseye --qemu debian:newest)');
  const types = new Map(await Promise.all(builds.map(async (b) => [b, await machineTypesOf(b)] as const)));
  // Only the machine types some other build has too: a type on one build has nothing to be compared with.
  const count = new Map<string, number>();
  for (const ts of types.values()) for (const t of ts) count.set(t, (count.get(t) ?? 0) + 1);
  const surveyed = [];
  for (const b of builds) {
    const shared = types.get(b)!.filter((t) => count.get(t)! >= 2);
    surveyed.push({ label: b.label, version: versionString(b.version), surveys: await surveyLayouts(b, shared, progress) });
  }
  const c = compareLayouts(surveyed);
  process.stdout.write(`${layoutText(c)}\n`);
  return c.failures ? ExitCode.FAILED : ExitCode.OK;
}
