/**
 * The nested vfio host, booted for real (TCG): the command runs in the
 * machine's root, the box's e1000e is bound to vfio-pci, the exit code comes
 * back, and no QEMU or private folder is left behind. The first run downloads
 * a kernel (about 100 MB) and busybox into the cache.
 */
import fs from 'node:fs';
import { execa } from 'execa';
import os from 'node:os';
import { expect } from 'chai';
import { BOX_DEVICE_BDF, provisionBox, runInBox } from '../../harness/box/box.js';
import { BoxError } from '../../harness/errors.js';
import { EnvironmentError } from '../../harness/errors.js';
import { liveQemuCount } from '../../harness/qemu/qemu-process.js';
import { boxHardwareNamed } from '../../harness/runner/box-device-under-test.js';

const MAIN = new URL('../../bin/msix-harness.js', import.meta.url).pathname;
const harnessDirs = () => new Set(fs.readdirSync(os.tmpdir()).filter((n) => n.startsWith('msix-harness-')));

describe('nested vfio host (box, real kernel under TCG)', function () {
  this.timeout(600_000);
  let dirsBefore: Set<string>;

  before(async function () {
    dirsBefore = harnessDirs();
    // Provisioning (downloads on a cold cache) is not part of any case's time.
    await provisionBox('6.12', boxHardwareNamed('e1000e'), () => undefined);
  });

  it('runs a command in the shared root with the e1000e bound to vfio-pci, and returns its exit code', async () => {
    const out: string[] = [];
    const r = await runInBox({
      kernel: '6.12',
      device: boxHardwareNamed('e1000e'),
      command: ['sh', '-c', `echo "driver $(readlink /sys/bus/pci/devices/${BOX_DEVICE_BDF}/driver)"; ls -1 /sys/bus/pci/drivers/vfio-pci; head -3 /proc/interrupts; echo "cwd $(pwd)"; exit 7`],
      cwd: process.cwd(),
      env: { BOX_TEST: "it's quoted" },
      timeoutMs: 120_000,
      onOutput: (l) => out.push(l),
    });
    expect(r.exitCode, out.join('\n')).to.equal(7);
    expect(out.find((l) => l.startsWith('driver '))).to.match(/\/vfio-pci$/);
    expect(out).to.include(BOX_DEVICE_BDF);
    expect(out.some((l) => /CPU0/.test(l))).to.equal(true);
    expect(out).to.include(`cwd ${process.cwd()}`);
    expect(r.bootMs).to.be.greaterThan(0);
  });

  it('box --device D --host-driver leaves every box device on its own Linux driver (the plugin\'s, not the QEMU device name)', async () => {
    // Through the CLI, as a user runs it; nvme's Linux driver was missing from the box before.
    for (const d of ['nvme', 'igb']) {
      const r = await execa(process.execPath, [MAIN, 'box', '--device', d, '--host-driver', '--', 'sh', '-c', `readlink /sys/bus/pci/devices/${BOX_DEVICE_BDF}/driver`], { reject: false, stdin: 'ignore' });
      expect(r.exitCode, `${d}: ${r.stderr}`).to.equal(0);
      expect(r.stdout.trim(), d).to.match(new RegExp(`/${d}$`));
    }
  });

  it('passes arguments and environment through without re-quoting', async () => {
    const out: string[] = [];
    const r = await runInBox({ kernel: '6.12', device: boxHardwareNamed('e1000e'), command: ['sh', '-c', 'printf "[%s]\\n" "$0" "$1" "$BOX_TEST"', 'a b', `c'd"e$f`], env: { BOX_TEST: "it's $x" }, timeoutMs: 120_000, onOutput: (l) => out.push(l) });
    expect(r.exitCode).to.equal(0);
    expect(out).to.deep.equal(['[a b]', `[c'd"e$f]`, "[it's $x]"]);
  });

  it('a command that runs past the timeout is a BoxError with the console tail', async () => {
    const err = await runInBox({ kernel: '6.12', device: boxHardwareNamed('e1000e'), command: ['sh', '-c', 'echo going to sleep; sleep 600'], timeoutMs: 15_000 }).catch((e: unknown) => e);
    expect(err).to.be.instanceOf(BoxError);
    expect((err as Error).message).to.contain('no exit marker within 15000 ms').and.contain('going to sleep');
  });

  it('an unknown kernel series or device is an EnvironmentError', async () => {
    const err = await runInBox({ kernel: '5.10', device: boxHardwareNamed('e1000e'), command: ['true'], timeoutMs: 1000 }).catch((e: unknown) => e);
    expect(err).to.be.instanceOf(EnvironmentError);
    // virtio-net-pci has no box facts in its plugin; igbvf is made on igb, not modelled by the box itself.
    for (const d of ['virtio-net-pci', 'igbvf', 'virtio-net']) expect(() => boxHardwareNamed(d), d).to.throw(EnvironmentError, /unknown box device/);
  });

  after(() => {
    expect(liveQemuCount()).to.equal(0);
    const left = [...harnessDirs()].filter((d) => !dirsBefore.has(d));
    expect(left, 'private folders left behind').to.deep.equal([]);
  });
});
