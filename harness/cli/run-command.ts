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
}

export async function runCommand(args: RunArgs): Promise<number> {
  const started = new Date();
  const suite = suiteByName(args.suite);
  const progress = (m: string) => process.stderr.write(`${m}\n`);
  const builds = [];
  for (const spec of args.qemu.length ? args.qemu : defaultSpecs()) {
    progress(`resolving QEMU build ${spec}`);
    const b = await resolveBuild(spec, progress);
    progress(`  QEMU ${b.label}: ${b.binary} sha256 ${b.sha256.slice(0, 16)} (${b.accel === 'qtest' ? 'qtest accelerator' : 'no qtest accelerator: -accel tcg -S, no clock stepping'})`);
    builds.push(b);
  }
  const devices = args.device.length ? args.device.map(devicePlugin) : devicePlugins;
  const toStdout = !args.out && args.reporter !== 'spec';
  const cases = await runSuites({
    suites: [suite],
    builds,
    devices,
    ...(args.grep ? { grep: args.grep } : {}),
    onResult: (r) => (toStdout ? process.stderr : process.stdout).write(caseLine(r) + '\n'),
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
