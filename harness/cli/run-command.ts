/** `msix-harness run`: resolve builds, run suites, write the report, exit 0/1/2. */
import { describeLaunch } from '../qemu/launch.js';
import { defaultSpecs, resolveBuild, resolveSourceBuild } from '../builds/build-spec.js';
import { withReporting } from './reporting.js';
import { EnvironmentError } from '../errors.js';
import { summaryLine } from '../report/console-report.js';
import { censusLine, type Census } from '../results/census.js';
import type { FormatChoice } from '../report/format-reporters.js';
import { deserializeBuilds, PROBED_BUILDS_ENV, type QemuBuild } from '../builds/qemu-build.js';
import type { SuiteSpec } from '../case/case.js';
import { parseShard } from '../runner/shard.js';
import { hostDeviceLine, openHostDeviceUnderTest } from '../runner/host-device-under-test.js';
import { runPlan, runReport } from '../runner/run-plan.js';
import { buildsUnder, type RunAccel } from '../runner/run-accel.js';
import { exitForSummary } from './exit-codes.js';
import { seedSpec } from '../regressions/seed-revert.js';
import { stableReleaseSpec } from '../regressions/stable-release.js';
import { mutantSpec } from '../regressions/source-mutants.js';
import type { MachineType } from '../qemu/machine.js';


export interface RunArgs {
  readonly suite: string;
  /** Also stream progress and results to a live page. */
  readonly live?: boolean;
  readonly qemu: readonly string[];
  /** QEMU source trees to build and use (with `build` as their build command, if given). */
  readonly qemuSrc?: readonly string[];
  readonly build?: string;
  readonly device: readonly string[];
  /** The reports: each format with its file, or standard output. */
  readonly formats: readonly FormatChoice[];
  readonly grep?: string;
  /** For the vfio suite: the host device to pass through (bound to vfio-pci for the run if it is not). */
  readonly hostDevice?: string;
  /** Bind the host device even when the host uses it (mounted filesystem, up interface). */
  readonly force?: boolean;
  /** Box kernels for the vfio suite when no host device is named. */
  readonly kernel?: readonly string[];
  /** Box devices for the vfio suite when no host device is named. */
  readonly boxDevice?: readonly string[];
  /** "i/n": run only this shard of the case x build x kernel combinations. */
  readonly shard?: string;
  /** The seed of the cases' order (case-order.ts). */
  readonly shuffle?: number;
  /** Every case on a QEMU of its own. */
  readonly freshQemu?: boolean;
  /** Known QEMU bugs (xfail) fail the run too. */
  readonly strict?: boolean;
  /** Machine types for emulated suites (q35, pc). */
  readonly machine?: readonly MachineType[];
  /** Accelerators (--accel, --irqchip): each build runs under each. */
  readonly accels?: readonly RunAccel[];
}

/** The suite named, among those handed in. */
export function suiteByName(suites: readonly SuiteSpec[], name: string): SuiteSpec {
  const s = suites.find((x) => x.name === name);
  if (!s) throw new EnvironmentError(`no suite "${name}"`, `use --suite ${suites.map((x) => x.name).join(' or ')}`);
  return s;
}

export function runCommand(args: RunArgs, suites: readonly SuiteSpec[]): Promise<number> {
  const suite = suiteByName(suites, args.suite);
  return withReporting({ title: `run --suite ${args.suite}`, live: !!args.live, formats: args.formats }, async (rep) => {
    const started = new Date();
    const progress = rep.progress;
    const shard = args.shard ? parseShard(args.shard) : undefined;
    const builds = buildsUnder(await resolveBuilds(args, progress), args.accels);
    const dut = suite.kind === 'vfio' && args.hostDevice ? await openHostDeviceUnderTest(args.hostDevice, { force: !!args.force, progress }) : undefined;
    try {
      if (dut) progress(hostDeviceLine(dut));
      const census: Record<string, Census> = {};
      const cases = await runPlan({
        onCensus: (b, c) => {
          census[b.spec] = c;
          progress(censusLine(b.label, c));
        },
        suites: [suite],
        builds,
        devices: args.device,
        ...(args.grep ? { filter: { grep: args.grep } } : {}),
        ...(dut ? { hostDevice: dut } : {}),
        ...(args.kernel ? { kernels: args.kernel } : {}),
        ...(args.boxDevice ? { boxDevices: args.boxDevice } : {}),
        ...(shard ? { shard } : {}),
        ...(args.shuffle !== undefined ? { shuffle: args.shuffle } : {}),
        ...(args.freshQemu ? { freshQemu: true } : {}),
        ...(args.machine ? { machines: args.machine } : {}),
        progress,
        onResult: rep.result,
        onBoxOutput: (l) => process.stderr.write(`  ${l}\n`),
      });
      const report = runReport(started, builds, cases, census);
      if (cases.length === 0 && !shard) throw new EnvironmentError(`no case matched (suite ${args.suite}${args.grep ? `, grep ${args.grep}` : ''})`, 'check --suite, --device and --grep');
      return { code: exitForSummary(report.summary, !!args.strict), summary: summaryLine(report).split('\n')[0]!, report };
    } finally {
      dut?.host.binding.restoreNow();
    }
  });
}

export interface BuildChoice {
  readonly qemu: readonly string[];
  readonly qemuSrc?: readonly string[];
  readonly build?: string;
}

/** The builds named (--qemu, then --qemu-src trees, built), probed here, or handed over already probed (inside the box). */
export async function resolveBuilds(c: BuildChoice, progress: (m: string) => void): Promise<QemuBuild[]> {
  const handed = process.env[PROBED_BUILDS_ENV];
  if (handed) return deserializeBuilds(handed);
  if (c.build && !c.qemuSrc?.length) throw new EnvironmentError('--build needs --qemu-src (the tree it builds)', 'add --qemu-src DIR');
  const builds: QemuBuild[] = [];
  const note = (b: QemuBuild) => progress(`  QEMU ${b.label}: ${b.binary} sha256 ${b.sha256.slice(0, 16)} (${b.accel === 'qtest' ? 'qtest accelerator' : 'no qtest accelerator: -accel tcg -S, no clock stepping'}; ${describeLaunch(b.launch)})`);
  for (const spec of c.qemu.length || c.qemuSrc?.length ? c.qemu : defaultSpecs()) {
    progress(`resolving QEMU build ${spec}`);
    builds.push(await resolveBuild(spec, progress, [seedSpec, stableReleaseSpec, mutantSpec]));
    note(builds.at(-1)!);
  }
  for (const dir of c.qemuSrc ?? []) {
    progress(`building QEMU from ${dir}`);
    builds.push(await resolveSourceBuild(dir, progress, c.build));
    note(builds.at(-1)!);
  }
  return builds;
}
