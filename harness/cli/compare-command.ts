/**
 * `msix-harness compare`: every suite on every build x kernel, then the
 * matrix. With --baseline it is a gate (a case the baseline passes must not
 * fail elsewhere); --expect-fixed names cases a backport must turn from
 * failing (on the baseline) to passing.
 */
import { compare } from '../matrix/comparison.js';
import { findingLine, gate } from '../matrix/gate.js';
import { parseShard } from '../runner/shard.js';
import { EnvironmentError } from '../errors.js';
import type { SuiteSpec } from '../case/case.js';
import { openHostDeviceUnderTest } from '../runner/host-device-under-test.js';
import { runPlan, runReport } from '../runner/run-plan.js';
import { runMigrationMatrix, type MigrationMachineTypes } from '../runner/migration-matrix.js';
import { migrationHolds } from '../results/migration-direction.js';
import { migrationText } from '../report/migration-text.js';
import { devicePlugin, emulatedDevicePlugins } from '../devices/index.js';
import { ExitCode, exitForSummary } from './exit-codes.js';
import { withReporting, type Ended, type Reporting } from './reporting.js';
import type { Comparison } from '../matrix/comparison.js';
import type { RunReport } from '../results/run-report.js';
import type { FormatChoice } from '../report/format-reporters.js';
import { resolveBuilds, suiteByName } from './run-command.js';
import { buildsUnder, type RunAccel } from '../runner/run-accel.js';
import { compareLayoutCommand } from './compare-layout-command.js';

export interface CompareArgs {
  readonly qemu: readonly string[];
  readonly qemuSrc?: readonly string[];
  readonly build?: string;
  readonly suite: readonly string[];
  readonly kernel?: readonly string[];
  /** Box devices for the vfio suite when no host device is named. */
  readonly boxDevice?: readonly string[];
  readonly device: readonly string[];
  readonly grep?: string;
  readonly hostDevice?: string;
  readonly force?: boolean;
  readonly baseline?: string;
  readonly expectFixed?: readonly string[];
  readonly shard?: string;
  /** Known QEMU bugs (xfail) fail the run too. */
  readonly strict?: boolean;
  readonly formats: readonly FormatChoice[];
  /** The migration matrix instead: each build's migration cases saved on every build and loaded on every build. */
  readonly migrate?: boolean;
  /** With migrate: the machine types each pair migrates on (default: those named after either build's release). */
  readonly machineTypes?: MigrationMachineTypes;
  /** The layout comparison instead (compare-layout-command.ts). */
  readonly layout?: boolean;
  /** Also stream progress and results to a live page. */
  readonly live?: boolean;
  /** Accelerators (--accel, --irqchip): each build runs under each, a column of its own. */
  readonly accels?: readonly RunAccel[];
}

/** The case lines go to standard error: standard output has the matrix. */
export function compareCommand(a: CompareArgs, available: readonly SuiteSpec[]): Promise<number> {
  if (a.layout) return compareLayoutCommand(a);
  return withReporting({ title: a.migrate ? 'compare --migrate' : 'compare', live: !!a.live, formats: a.formats, caseLinesToStderr: true }, (rep) => compareWith(a, available, rep));
}

const ended = (code: number, report: RunReport, comparison: Comparison, after?: () => void) => ({
  code,
  summary: `exit code ${code} (${code === ExitCode.OK ? 'every expectation held' : 'see the output'})`,
  report,
  comparison,
  ...(after ? { after } : {}),
});

async function compareWith(a: CompareArgs, available: readonly SuiteSpec[], rep: Reporting): Promise<Ended> {
  const started = new Date();
  const progress = rep.progress;
  if (a.qemu.length < 2 && !a.baseline) progress('compare: one build named; the matrix will have one column per kernel');
  if (a.baseline && !a.qemu.includes(a.baseline)) throw new EnvironmentError(`the baseline "${a.baseline}" is not one of the --qemu builds`, `add --qemu ${a.baseline}, or name one of: ${a.qemu.join(', ')}`);
  if (a.expectFixed?.length && !a.baseline) throw new EnvironmentError('--expect-fixed needs --baseline (the build where the cases fail)', 'add --baseline BUILD, the build without the backport');
  if (a.migrate) return compareMigration(a, available, started, rep);
  const suites = a.suite.map((n) => suiteByName(available, n));
  const shard = a.shard ? parseShard(a.shard) : undefined;
  const builds = buildsUnder(await resolveBuilds(a, progress), a.accels);
  const dut = a.hostDevice && suites.some((s) => s.kind === 'vfio') ? await openHostDeviceUnderTest(a.hostDevice, { force: !!a.force, progress }) : undefined;
  try {
    const cases = await runPlan({
      suites,
      builds,
      devices: a.device,
      ...(a.grep ? { filter: { grep: a.grep } } : {}),
      ...(dut ? { hostDevice: dut } : {}),
      ...(a.kernel ? { kernels: a.kernel } : {}),
      ...(a.boxDevice ? { boxDevices: a.boxDevice } : {}),
      ...(shard ? { shard } : {}),
      progress,
      onResult: rep.result,
      onBoxOutput: (l) => process.stderr.write(`  ${l}\n`),
    });
    const report = runReport(started, builds, cases);
    const cmp = compare(cases);
    if (!a.baseline) return ended(exitForSummary(report.summary, !!a.strict), report, cmp);
    const findings = gate(cmp, { baseline: a.baseline, ...(a.expectFixed ? { expectFixed: a.expectFixed } : {}) });
    for (const f of findings) process.stderr.write(`${findingLine(f)}\n`);
    process.stderr.write(findings.length ? `gate: ${findings.length} finding(s) against baseline ${a.baseline}\n` : `gate: nothing regressed against baseline ${a.baseline}${a.expectFixed?.length ? `, and ${a.expectFixed.join(', ')} fixed` : ''}\n`);
    return ended(findings.length ? ExitCode.FAILED : ExitCode.OK, report, cmp);
  } finally {
    dut?.host.binding.restoreNow();
  }
}

/** compare --migrate: source x destination for every build named, on the emulated suite's migration cases. */
async function compareMigration(a: CompareArgs, available: readonly SuiteSpec[], started: Date, rep: Reporting): Promise<Ended> {
  const progress = rep.progress;
  if (a.accels?.some((x) => x !== 'tcg')) throw new EnvironmentError('compare --migrate runs under TCG only (the migration matrix has no KVM axis yet)', 'drop --accel, or run the KVM path with run or compare without --migrate');
  const suite = suiteByName(available, 'emulated');
  const builds = await resolveBuilds(a, progress);
  // Every plugin's device QEMU can migrate, unless named.
  const devices = a.device.length ? a.device.map(devicePlugin) : emulatedDevicePlugins.filter((d) => d.migratable !== false);
  const machineTypes = a.machineTypes ?? 'releases';
  progress(`migration matrix: ${builds.length} x ${builds.length} pairs on ${devices.map((d) => d.name).join(', ')}, on ${machineTypes === 'all' ? 'every versioned machine type each pair shares' : "the machine types named after either build's release"} (vfio devices here have no migration support)`);
  const onResult = rep.result;
  const shard = a.shard ? parseShard(a.shard) : undefined;
  const cases = await runMigrationMatrix({ suite, builds, devices, machineTypes, onResult, progress, ...(shard ? { shard } : {}) });
  if (!cases.length && shard) progress(`migration matrix: shard ${a.shard} has no pair`);
  else if (!cases.length) throw new EnvironmentError('no migration case ran', `the ${devices.map((d) => d.name).join(', ')} plugin(s) or these builds cannot migrate; try --device e1000e`);
  const report = runReport(started, builds, cases);
  // The pairs table after the reports' own output.
  return ended(migrationHolds(cases) ? ExitCode.OK : ExitCode.FAILED, report, compare(cases), () => process.stdout.write(`\n${migrationText(cases)}\n`));
}
