/**
 * Fault injection with real QEMU: every fault must end in a clear error
 * within its timeout, with no QEMU process, socket or folder left behind.
 * Uses $QEMU_BINARY or qemu-system-x86_64 on PATH.
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect } from 'chai';
import { e1000e } from '../../harness/devices/e1000e.js';
import { igb } from '../../harness/devices/igb.js';
import { ProtocolTimeoutError } from '../../harness/errors.js';
import { defaultSpecs, resolveBuild } from '../../harness/builds/build-spec.js';
import { EnvironmentError, QemuExitedError, QemuStartError } from '../../harness/errors.js';
import { Machine } from '../../harness/qemu/machine.js';
import type { QemuBuild } from '../../harness/builds/qemu-build.js';
import { runSuites } from '../../harness/runner/run-suite.js';
import { emulatedSuite } from '../../suites/emulated/msix-core-rules.js';
import { waitGone } from '../support/leftovers.js';

const here = path.dirname(fileURLToPath(import.meta.url));

describe('fault injection (real QEMU)', function () {
  this.timeout(30_000);
  let build: QemuBuild;
  before(async () => {
    build = await resolveBuild(defaultSpecs()[0]!, () => undefined);
  });

  it('QEMU killed by SIGSEGV mid-session: QemuExitedError with the signal, stderr and exchanges', async () => {
    const m = await Machine.launch(build, {});
    await m.qtest.readl(0);
    process.kill(m.proc.pid, 'SIGSEGV');
    const err = await m.qtest.readl(4).catch((e: unknown) => e);
    await m.shutdown();
    expect(err).to.be.instanceOf(QemuExitedError);
    expect((err as Error).message).to.contain('SIGSEGV').and.contain('last exchanges').and.contain('readl 0x0');
    expect(await waitGone(m.proc.pid, m.proc.dir, 3000)).to.deep.equal({ processLeft: false, dirLeft: false });
  });

  it('QEMU stopped with SIGSTOP: the command times out, shutdown escalates to SIGKILL', async () => {
    const m = await Machine.launch(build, { timeoutMs: 500 });
    process.kill(m.proc.pid, 'SIGSTOP');
    const t0 = Date.now();
    const err = await m.qtest.inl(0xcfc).catch((e: unknown) => e);
    expect(err).to.be.instanceOf(ProtocolTimeoutError);
    expect((err as Error).message).to.contain('inl 0xcfc');
    expect(Date.now() - t0).to.be.lessThan(2000);
    const status = await m.shutdown();
    expect(status).to.deep.equal({ code: null, signal: 'SIGKILL' });
    expect(await waitGone(m.proc.pid, m.proc.dir, 3000)).to.deep.equal({ processLeft: false, dirLeft: false });
  });

  it('a missing QEMU binary is an EnvironmentError that says what to do', async () => {
    const err = await resolveBuild('/nonexistent/qemu-system-x86_64', () => undefined).catch((e: unknown) => e);
    expect(err).to.be.instanceOf(EnvironmentError);
    expect((err as Error).message).to.contain('does not exist').and.contain('fix:');
  });

  it('an unknown kind of build is an EnvironmentError listing the kinds, not a missing binary', async () => {
    for (const spec of ['debain:bookworm', 'seed:released']) {
      // seed: is a kind only where the regression fixtures hand it in.
      const err = await resolveBuild(spec, () => undefined).catch((e: unknown) => e);
      expect(err, spec).to.be.instanceOf(EnvironmentError);
      expect((err as Error).message, spec).to.contain('names no kind of build').and.contain('debian:<suite>').and.contain('debian-src:<suite>');
      expect((err as Error).message, spec).to.not.contain('does not exist');
    }
  });

  it('a QEMU binary that is not executable is an EnvironmentError', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'msix-harness-test-'));
    const f = path.join(dir, 'qemu-system-x86_64');
    fs.writeFileSync(f, '#!/bin/sh\n', { mode: 0o644 });
    const err = await resolveBuild(f, () => undefined).catch((e: unknown) => e);
    fs.rmSync(dir, { recursive: true });
    expect(err).to.be.instanceOf(EnvironmentError);
    expect((err as Error).message).to.contain('not executable');
  });

  it('bad QEMU arguments: QemuStartError with QEMU stderr, nothing left', async () => {
    const before = leftoverDirs();
    const err = await Machine.launch(build, { args: ['-device', 'no-such-device'] }).catch((e: unknown) => e);
    expect(err).to.be.instanceOf(QemuStartError);
    expect((err as Error).message).to.contain('no-such-device');
    expect(leftoverDirs().filter((d) => !before.includes(d))).to.deep.equal([]);
  });

  it('a build without the device a case needs: the case is skipped with the reason', async () => {
    const noIgb: QemuBuild = { ...build, devices: new Set([...build.devices].filter((d) => d !== 'igb')) };
    const results = await runSuites({ suites: [emulatedSuite], builds: [noIgb], devices: [igb, e1000e], select: (c) => c.slug === 'reset-state' });
    const r = results.find((x) => x.device === 'igb')!;
    expect(r.outcome).to.equal('skipped');
    expect(r.skipReason).to.match(/has no igb device/);
    expect(results.find((x) => x.device === 'e1000e')!.outcome).to.equal('passed');
  });

  for (const signal of ['SIGINT', 'SIGKILL'] as const) {
    it(`the harness receiving ${signal}: its QEMU and folder are gone`, async () => {
      const child = spawn(process.execPath, [path.join(here, '../support/hold-qemu.js')], { stdio: ['ignore', 'pipe', 'pipe'] });
      const info = await new Promise<{ pid: number; dir: string }>((resolve, reject) => {
        let out = '';
        child.stdout.on('data', (d: Buffer) => {
          out += d.toString();
          if (out.includes('\n')) resolve(JSON.parse(out.split('\n')[0]!) as { pid: number; dir: string });
        });
        child.on('exit', (c) => reject(new Error(`hold-qemu exited early (${c})`)));
      });
      expect(fs.existsSync(info.dir)).to.equal(true);
      const exited = new Promise<number | null>((r) => child.on('exit', (code) => r(code)));
      child.kill(signal);
      const code = await exited;
      if (signal === 'SIGINT') expect(code).to.equal(130);
      expect(await waitGone(info.pid, info.dir, 5000)).to.deep.equal({ processLeft: false, dirLeft: false });
    });
  }
});

function leftoverDirs(): string[] {
  return fs.readdirSync(os.tmpdir()).filter((n) => n.startsWith('msix-harness-') && !n.startsWith('msix-harness-test-'));
}
