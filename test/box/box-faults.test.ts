/**
 * The box's own faults: a kernel panic while the command runs, an init that
 * never starts the command, and a host root (9p) that cannot be mounted.
 * Each is a BoxError that says what happened, within its timeout, and
 * leaves no QEMU process and no private folder behind.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { expect } from 'chai';
import { runInBox } from '../../harness/box/box.js';
import { BoxError } from '../../harness/errors.js';
import { boxHardwareNamed } from '../../harness/runner/box-device-under-test.js';
import { processesWhoseCommandLineHas } from '../support/leftovers.js';

const privateDirs = () => new Set(fs.readdirSync(os.tmpdir()).filter((n) => n.startsWith('msix-harness-')));
// Outer QEMUs with their folders in this run's TMPDIR: a test lane running beside this one (npm run test:lanes) has boxes of its own.
const outerQemus = () => processesWhoseCommandLineHas('mount_tag=hostroot', path.join(os.tmpdir(), 'msix-harness-'));

describe('box faults (panic, hung init, 9p mount)', function () {
  this.timeout(300_000);
  let before: Set<string>;
  let qemus: number;
  beforeEach(async () => {
    before = privateDirs();
    qemus = outerQemus();
  });
  afterEach(async () => {
    expect([...privateDirs()].filter((d) => !before.has(d)), 'private folders left').to.deep.equal([]);
    expect(outerQemus(), 'outer QEMU processes').to.equal(qemus);
  });

  it('a kernel panic while the command runs: the panic line, at once, not retried', async () => {
    const t0 = Date.now();
    const consoleLines: string[] = [];
    const err = await runInBox({ kernel: '6.12', device: boxHardwareNamed('e1000e'), command: ['sh', '-c', 'echo "<2>about to panic" > /dev/kmsg; echo c > /proc/sysrq-trigger; sleep 600'], timeoutMs: 120_000, onConsole: (l) => consoleLines.push(l) }).catch((e: unknown) => e);
    expect(err).to.be.instanceOf(BoxError);
    const e = err as BoxError;
    expect(e.duringBoot).to.equal(false);
    expect(e.reason).to.match(/^the kernel panicked: Kernel panic - not syncing/);
    // The command says so through the kernel log, which the panic flushes to the console; a line it echoed could still
    // sit unsent in the tty's buffer when the machine stops (seen once with every core busy).
    expect(consoleLines.filter((l) => /\babout to panic$/.test(l)), 'the command ran first').to.have.length(1);
    expect(e.message).to.contain('Kernel panic');
    expect(consoleLines.filter((l) => l.includes('BOX-START')), 'booted once').to.have.length(1);
    expect(Date.now() - t0).to.be.below(120_000);
  });

  it('an init that never starts the command: the timeout, saying the command had not started', async () => {
    // rdinit=/bin/sh: busybox's shell waits on the console for input that never comes.
    const err = await runInBox({ kernel: '6.12', device: boxHardwareNamed('e1000e'), command: ['true'], kernelArgs: ['rdinit=/bin/sh'], timeoutMs: 30_000 }).catch((e: unknown) => e);
    expect(err).to.be.instanceOf(BoxError);
    expect((err as BoxError).reason).to.equal('no exit marker within 30000 ms (the command had not started)');
  });

  it('a host root that cannot be mounted (9p refused): what the init reported, naming 9p', async () => {
    const err = await runInBox({ kernel: '6.12', device: boxHardwareNamed('e1000e'), command: ['true'], kernelArgs: ['module_blacklist=9p'], timeoutMs: 120_000 }).catch((e: unknown) => e);
    expect(err).to.be.instanceOf(BoxError);
    expect((err as BoxError).reason).to.match(/^its init reported: .*9p/);
  });
});
