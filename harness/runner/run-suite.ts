/**
 * Runs suites on targets (build x device) with mocha as the engine: one
 * mocha test per case and target, each on a fresh QEMU. Results come back
 * as CaseResults with their evidence.
 */
import os from 'node:os';
import Mocha from 'mocha';
import type { DevicePlugin } from '../devices/device-plugin.js';
import type { QemuBuild } from '../qemu/qemu-build.js';
import { versionString } from '../qemu/qemu-build.js';
import { killAllQemuNow } from '../qemu/qemu-process.js';
import type { BuildRef, CaseResult } from '../report/model.js';
import type { CaseSpec, SuiteSpec } from './case.js';
import { Dut } from './dut.js';
import { Evidence } from './evidence.js';

export interface RunOptions {
  readonly suites: readonly SuiteSpec[];
  readonly builds: readonly QemuBuild[];
  readonly devices: readonly DevicePlugin[];
  readonly grep?: string;
  readonly caseTimeoutMs?: number;
  /** Called as each case ends (for progress output). */
  readonly onResult?: (r: CaseResult) => void;
}

interface CaseMeta {
  result?: Omit<CaseResult, 'outcome' | 'durationMs' | 'error'>;
  skipReason?: string;
  evidence?: Evidence;
}

export function buildRef(b: QemuBuild): BuildRef {
  return { label: b.label, spec: b.spec, version: versionString(b.version), package: b.version.package, path: b.binary, sha256: b.sha256, accel: b.accel };
}

export async function runSuites(opts: RunOptions): Promise<CaseResult[]> {
  const hostKernel = os.release();
  const results: CaseResult[] = [];
  const metas = new Map<Mocha.Test, CaseMeta>();
  const mocha = new Mocha({ timeout: opts.caseTimeoutMs ?? 60_000, reporter: class {} as unknown as typeof Mocha.reporters.Base });
  const grep = opts.grep ? new RegExp(opts.grep) : undefined;
  for (const suite of opts.suites) {
    for (const build of opts.builds) {
      const buildSuite = Mocha.Suite.create(mocha.suite, `${suite.name} on QEMU ${build.label}`);
      for (const device of opts.devices) {
        const deviceSuite = Mocha.Suite.create(buildSuite, device.name);
        for (const c of suite.cases) {
          const id = `${suite.name}.${device.name}.${c.slug}`;
          if (grep && !grep.test(`${id} ${c.title}`)) continue;
          const meta: CaseMeta = {};
          const test = new Mocha.Test(c.title, async function (this: Mocha.Context) {
            meta.evidence = new Evidence();
            const reason = !build.devices.has(device.driver) ? `QEMU ${build.label} has no ${device.driver} device` : c.unsupported?.({ build, device });
            if (reason) {
              meta.skipReason = reason;
              this.skip();
            }
            await runCase(c, build, device, meta.evidence);
          });
          meta.result = {
            id,
            suite: suite.name,
            title: c.title,
            device: device.name,
            qemu: buildRef(build),
            hostKernel,
            pins: c.pins,
            evidence: [],
          };
          metas.set(test, meta);
          deviceSuite.addTest(test);
        }
      }
    }
  }
  const runner = mocha.run();
  const finish = (test: Mocha.Test, outcome: CaseResult['outcome'], err?: Error) => {
    const meta = metas.get(test);
    if (!meta?.result) return;
    const r: CaseResult = {
      ...meta.result,
      outcome,
      durationMs: Math.round(test.duration ?? 0),
      evidence: meta.evidence?.items ?? [],
      ...(meta.skipReason ? { skipReason: meta.skipReason } : {}),
      ...(err ? { error: { message: err.message, ...(err.stack ? { stack: err.stack } : {}) } } : {}),
    };
    results.push(r);
    opts.onResult?.(r);
  };
  runner.on('pass', (t) => finish(t, 'passed'));
  runner.on('fail', (t, err) => {
    if (t.type === 'test') finish(t as Mocha.Test, 'failed', err);
  });
  runner.on('pending', (t) => finish(t, 'skipped'));
  await new Promise<void>((resolve) => runner.on('end', () => resolve()));
  killAllQemuNow();
  return results;
}

async function runCase(c: CaseSpec, build: QemuBuild, device: DevicePlugin, ev: Evidence): Promise<void> {
  const dut = await Dut.start(build, device, c.dut ?? {});
  try {
    await c.body({ dut, ev, build, device });
  } catch (e) {
    throw withDiagnostics(e, dut);
  } finally {
    await dut.shutdown();
  }
}

/** A failed expectation also shows the last protocol exchanges and QEMU's stderr. */
function withDiagnostics(e: unknown, dut: Dut): unknown {
  if (!(e instanceof Error) || e.name === 'QemuExitedError') return e;
  const stderr = dut.machine.stderr().trimEnd().split('\n').slice(-15).join('\n');
  e.message += `\nlast exchanges:\n${dut.machine.log.snapshot().slice(-16).map((x) => `  ${x.channel} ${x.dir} ${x.text}`).join('\n')}`;
  if (stderr) e.message += `\nQEMU stderr (last lines):\n${stderr.replace(/^/gm, '  | ')}`;
  return e;
}
