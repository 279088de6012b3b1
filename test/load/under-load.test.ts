/**
 * Under load, as on a shared CI runner: both cores kept busy by a bounded
 * load generator (child processes that stop themselves after a deadline,
 * and are killed at the end anyway) while the emulated suite runs and a vfio
 * case runs in the box. Nothing may fail for want of CPU: the harness waits
 * for events, not for fixed short times.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import os from 'node:os';
import { execa } from 'execa';
import { expect } from 'chai';

const MAIN = new URL('../../bin/msix-harness.js', import.meta.url).pathname;
const LOAD_MS = 20 * 60_000;

/** One busy loop per core, each ending by itself after `ms` even if this process dies. */
function loadGenerator(ms: number): ChildProcess[] {
  return os.cpus().map(() => spawn(process.execPath, ['-e', `const end = Date.now() + ${ms}; let x = 0; while (Date.now() < end) x++;`], { stdio: 'ignore' }));
}

describe('under load (every core busy)', function () {
  this.timeout(LOAD_MS);
  let load: ChildProcess[] = [];
  before(() => {
    load = loadGenerator(LOAD_MS);
  });
  after(() => load.forEach((c) => c.kill('SIGKILL')));

  it('the emulated suite on the newest Debian QEMU passes as it does unloaded', async () => {
    const r = await execa(process.execPath, [MAIN, 'run', '--suite', 'emulated', '--qemu', 'debian:newest'], { reject: false, all: true });
    expect(load.every((c) => c.exitCode === null), 'the load was on throughout').to.equal(true);
    expect(r.exitCode, r.all).to.equal(0);
    expect(r.all).to.match(/outcomes: \d+ passed, 0 failed, 0 error/);
  });

  it('a vfio case in the box passes', async () => {
    const r = await execa(process.execPath, [MAIN, 'run', '--suite', 'vfio', '--qemu', 'debian:newest', '--grep', 'delivery-counts|masked-fire-pends|no-lost-interrupt'], { reject: false, all: true });
    expect(load.every((c) => c.exitCode === null), 'the load was on throughout').to.equal(true);
    expect(r.exitCode, r.all).to.equal(0);
    expect(r.all).to.match(/outcomes: 3 passed, 0 failed, 0 error/);
  });
});
