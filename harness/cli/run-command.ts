/** `msix-harness run`: resolve builds, run suites, write the report, exit 0/1/2. */
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { devicePlugin, devicePlugins } from '../devices/index.js';
import { defaultSpecs, resolveBuild } from '../qemu/build-spec.js';
import { EnvironmentError } from '../qemu/errors.js';
import { caseLine, summaryLine, toSpec } from '../report/console-report.js';
import { toJson } from '../report/json-report.js';
import { toJunit } from '../report/junit-report.js';
import { summarize, type RunReport } from '../report/model.js';
import { passthroughDevice, type PassthroughDevice } from '../host/passthrough-device.js';
import type { SuiteSpec } from '../runner/case.js';
import { deserializeBuilds, type QemuBuild } from '../qemu/qemu-build.js';
import { BUILDS_ENV, reportForConsole, runVfioInBox } from './vfio-in-box.js';
import { buildRef, runSuites } from '../runner/run-suite.js';
import { suiteByName } from '../../suites/index.js';
import { ExitCode } from './exit-codes.js';
import { toolVersion } from './tool-version.js';

export type Reporter = 'spec' | 'json' | 'junit';

export interface RunArgs {
  readonly suite: string;
  readonly qemu: readonly string[];
  readonly device: readonly string[];
  readonly reporter: Reporter;
  readonly out?: string;
  readonly grep?: string;
  /** For the vfio suite: the host device to pass through (bound to vfio-pci for the run if it is not). */
  readonly hostDevice?: string;
  /** Bind the host device even when the host uses it (mounted filesystem, up interface). */
  readonly force?: boolean;
  /** Box kernels for the vfio suite when no host device is named. */
  readonly kernel?: readonly string[];
  /** Internal: print the JSON report between markers (how the box hands it back). */
  readonly reportMarkers?: boolean;
}

export async function runCommand(args: RunArgs): Promise<number> {
  const started = new Date();
  const suite = suiteByName(args.suite);
  const progress = (m: string) => process.stderr.write(`${m}\n`);
  const builds = await resolveBuilds(args.qemu, progress);
  const passthrough = suite.kind === 'vfio' && args.hostDevice ? await passthroughDevice(args.hostDevice, { force: !!args.force, progress }) : undefined;
  try {
    return await runAndReport(args, suite, builds, passthrough, started, progress);
  } finally {
    passthrough?.binding.restoreNow();
  }
}

async function runAndReport(args: RunArgs, suite: SuiteSpec, builds: QemuBuild[], passthrough: PassthroughDevice | undefined, started: Date, progress: (m: string) => void): Promise<number> {
  if (passthrough) progress(`host device ${passthrough.bdf}: ${passthrough.plugin.name} on vfio-pci, kernel ${passthrough.kernel}, MSI-X ${passthrough.noresize ? 'noresize' : 'dyn (vectors added one at a time)'}`);
  const devices = passthrough ? [passthrough.plugin] : args.device.length ? args.device.map(devicePlugin) : devicePlugins;
  const toStdout = (!args.out && args.reporter !== 'spec') || !!args.reportMarkers;
  const printCase = (line: string) => (toStdout ? process.stderr : process.stdout).write(line + '\n');
  const inBox = suite.kind === 'vfio' && !passthrough;
  const cases = inBox
    ? (await runVfioInBox({ suite: suite.name, builds, kernels: args.kernel?.length ? args.kernel : ['6.12'], device: 'e1000e', ...(args.grep ? { grep: args.grep } : {}), progress, onLine: printCase })).cases
    : await runSuites({
        suites: [suite],
        builds,
        devices,
        ...(passthrough ? { passthrough: { bdf: passthrough.bdf, kernel: passthrough.kernel, noresize: passthrough.noresize } } : {}),
        ...(args.grep ? { grep: args.grep } : {}),
        onResult: (r) => printCase(caseLine(r)),
      });
  const report: RunReport = {
    tool: { name: 'msix-harness', version: toolVersion() },
    startedAt: started.toISOString(),
    durationMs: Date.now() - started.getTime(),
    host: { kernel: os.release(), node: process.version, cpus: os.cpus().length },
    builds: builds.map(buildRef),
    cases,
    summary: summarize(cases),
  };
  if (cases.length === 0) throw new EnvironmentError(`no case matched (suite ${args.suite}${args.grep ? `, grep ${args.grep}` : ''})`, 'check --suite, --device and --grep');
  if (args.reportMarkers) {
    process.stdout.write(reportForConsole(report));
    return report.summary.failed > 0 ? ExitCode.FAILED : ExitCode.OK;
  }
  const text = args.reporter === 'json' ? toJson(report) : args.reporter === 'junit' ? toJunit(report) : toSpec(report);
  if (args.out) {
    await fs.mkdir(path.dirname(path.resolve(args.out)), { recursive: true });
    await fs.writeFile(args.out, text);
    process.stdout.write(`${summaryLine(report)}\n`);
    process.stderr.write(`report (${args.reporter}) written to ${args.out}\n`);
  } else if (args.reporter === 'spec') {
    process.stdout.write(`\n${summaryLine(report)}\n`);
  } else {
    process.stdout.write(text);
    process.stderr.write(`${summaryLine(report)}\n`);
  }
  return report.summary.failed > 0 ? ExitCode.FAILED : ExitCode.OK;
}

/** The builds named, probed here, or handed over already probed (inside the box). */
async function resolveBuilds(specs: readonly string[], progress: (m: string) => void): Promise<QemuBuild[]> {
  const handed = process.env[BUILDS_ENV];
  if (handed) return deserializeBuilds(handed);
  const builds: QemuBuild[] = [];
  for (const spec of specs.length ? specs : defaultSpecs()) {
    progress(`resolving QEMU build ${spec}`);
    const b = await resolveBuild(spec, progress);
    progress(`  QEMU ${b.label}: ${b.binary} sha256 ${b.sha256.slice(0, 16)} (${b.accel === 'qtest' ? 'qtest accelerator' : 'no qtest accelerator: -accel tcg -S, no clock stepping'})`);
    builds.push(b);
  }
  return builds;
}
