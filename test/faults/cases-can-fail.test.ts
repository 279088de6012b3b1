/**
 * The emulated cases must be able to fail: run them with device plugins that
 * misbehave on purpose (the wrong vector, no message)
 * and check each case reports the failure with the evidence that shows it.
 */
import { expect } from 'chai';
import type { DeviceDriver, DeviceHandle, DevicePlugin } from '../../harness/devices/device-plugin.js';
import { e1000e } from '../../harness/devices/e1000e.js';
import { nvme } from '../../harness/devices/nvme.js';
import { virtioNetPci } from '../../harness/devices/virtio-net-pci.js';
import { defaultSpecs, resolveBuild } from '../../harness/builds/build-spec.js';
import type { QemuBuild } from '../../harness/builds/qemu-build.js';
import { runSuites } from '../../harness/runner/run-suite.js';
import { emulatedSuite } from '../../suites/emulated/msix-core-rules.js';
import { SYMPTOMS } from '../../harness/expect/symptoms.js';

/** e1000e with its driver's fire replaced (given the real driver and the handle). */
const mutant = (name: string, fire: (real: DeviceDriver, dev: DeviceHandle, v: number) => Promise<void>): DevicePlugin => ({
  ...e1000e,
  name,
  attach: (dev) => {
    const real = e1000e.attach(dev);
    return { ...real, fire: (v) => fire(real, dev, v) };
  },
});

describe('cases fail when the device misbehaves', function () {
  this.timeout(60_000);
  let build: QemuBuild;
  before(async () => {
    build = await resolveBuild(defaultSpecs()[0]!, () => undefined);
  });

  async function outcome(device: DevicePlugin, grep: string) {
    const [r] = await runSuites({ suites: [emulatedSuite], builds: [build], devices: [device], select: (c) => new RegExp(grep).test(c.slug) });
    return r!;
  }

  it('a device that signals the wrong vector fails "delivers exactly once"', async () => {
    const r = await outcome(
      mutant('wrong-vector', (real, _dev, v) => real.fire((v + 1) % 5)),
      'unmasked-delivers-once',
    );
    expect(r.outcome).to.equal('failed');
    const wrong = r.evidence.filter((e) => !e.ok);
    expect(wrong[0]).to.deep.include({ label: 'vector 0: mailbox slots its fire wrote', observed: [] });
    // Counted with the clock run: no message for any fire of either edge vector (the stray ones went elsewhere).
    expect(wrong.filter((e) => e.label === SYMPTOMS.messagesForOneCause).map((e) => e.observed)).to.deep.equal([0, 0, 0, 0, 0, 0]);
  });

  it('a device that never signals fails "masked fire pends"', async () => {
    const r = await outcome(
      mutant('silent', async () => undefined),
      'masked-fire-pends',
    );
    expect(r.outcome).to.equal('failed');
    expect(r.evidence.find((e) => !e.ok)!.label).to.equal('PBA after masked fire');
    expect(r.error?.message).to.contain('last exchanges');
  });

  it('a device that signals work told to use no vector fails "no vector sends nothing"', async () => {
    const signalsAnyway: DevicePlugin = {
      ...virtioNetPci,
      name: 'no-vector-ignored',
      attach: (dev) => {
        const real = virtioNetPci.attach(dev);
        return { ...real, fireWithoutVector: async () => (await real.fire(0), 'a config change on vector 0, as if NO_VECTOR were ignored') };
      },
    };
    const r = await outcome(signalsAnyway, 'no-vector-sends-nothing');
    expect(r.outcome).to.equal('failed');
    expect(r.evidence.find((e) => !e.ok)).to.deep.include({ label: 'messages on any vector for work with no vector', observed: 1 });
  });

  it('a device that signals when its queue is torn down fails "queue deleted with vector live"', async () => {
    const signalsOnTeardown: DevicePlugin = {
      ...nvme,
      name: 'teardown-signals',
      attach: (dev) => {
        const real = nvme.attach(dev);
        return { ...real, deleteQueuesOf: async (v) => (await real.fire(v), real.deleteQueuesOf!(v)) };
      },
    };
    const r = await outcome(signalsOnTeardown, 'queue-deleted-with-vector-live');
    expect(r.outcome).to.equal('failed');
    expect(r.evidence.find((e) => !e.ok)).to.deep.include({ label: 'messages on vector 64 for deleting its queue', observed: 1 });
  });

  it('a queue that signals another vector than it was told fails "queue work signals its vector"', async () => {
    const wrongVector: DevicePlugin = {
      ...virtioNetPci,
      name: 'queue-wrong-vector',
      attach: (dev) => {
        const real = virtioNetPci.attach(dev);
        return { ...real, queueWork: (v) => real.queueWork!(v === undefined ? undefined : (v + 1) % virtioNetPci.msixVectors) };
      },
    };
    const r = await outcome(wrongVector, 'queue-work-signals-its-vector');
    expect(r.outcome).to.equal('failed');
    expect(r.evidence.find((e) => !e.ok)).to.deep.include({ label: `${SYMPTOMS.messagesForOneCause}, queue work on vector 0`, observed: 0 });
    expect(r.evidence.find((e) => e.label === 'messages on the other vectors, queue work on vector 0')).to.deep.include({ observed: 1, ok: false });
  });

  it('a queue that keeps its old vector when pointed at another while it has work fails "queue vector changed with work"', async () => {
    const keepsOld: DevicePlugin = {
      ...virtioNetPci,
      name: 'queue-keeps-old-vector',
      attach: (dev) => {
        const real = virtioNetPci.attach(dev);
        return { ...real, retargetQueueWork: (from) => real.queueWork!(from) };
      },
    };
    const r = await outcome(keepsOld, 'queue-vector-changed-with-work');
    expect(r.outcome).to.equal('failed');
    expect(r.evidence.filter((e) => !e.ok).map((e) => e.observed)).to.deep.equal([0, 1]);
  });

  it('a full queue whose completions are never signalled fails "full queue signals"', async () => {
    const silentQueue: DevicePlugin = {
      ...nvme,
      name: 'full-queue-silent',
      attach: (dev) => {
        const real = nvme.attach(dev);
        // Says it filled the queue but submits nothing: no completion, no message.
        return { ...real, fillQueue: async () => ({ what: 'nothing submitted', completions: 3 }) };
      },
    };
    const r = await outcome(silentQueue, 'full-queue-signals');
    expect(r.outcome).to.equal('failed');
    expect(r.evidence.find((e) => !e.ok)).to.deep.include({ observed: false });
  });

  it('a device plugin that cannot do its part is an error (the harness could not decide), not a QEMU failure', async () => {
    const r = await outcome({ ...e1000e, name: 'broken-plugin', attach: (dev) => ({ ...e1000e.attach(dev), reset: async () => Promise.reject(new Error('plugin bug: register map missing')) }) }, 'unmasked-delivers-once');
    expect(r.outcome).to.equal('error');
    expect(r.rawOutcome).to.equal('error');
    expect(r.error?.message).to.contain('plugin bug');
  });

  it('QEMU going away in the middle of a case is a failure (QEMU misbehaved), with how it ended', async () => {
    const r = await outcome(
      mutant('qemu-gone', async (_real, dev) => {
        await dev.qmp.execute('quit').catch(() => undefined);
        await dev.fn.qtest.readl(0);
      }),
      'unmasked-delivers-once',
    );
    expect(r.outcome).to.equal('failed');
    expect(r.error?.message).to.match(/exit code 0|exited/i);
  });

  it('a device that goes silent after a migration fails "migration keeps MSI-X state" on the destination side', async () => {
    let attached = 0;
    const goesSilent: DevicePlugin = {
      ...e1000e,
      name: 'silent-after-migration',
      attach: (dev) => {
        const real = e1000e.attach(dev);
        // The second attach is the destination QEMU's device.
        return ++attached === 1 ? real : { ...real, fire: async () => undefined };
      },
    };
    const r = await outcome(goesSilent, 'migration-keeps-msix-state');
    expect(r.outcome).to.equal('failed');
    expect(r.evidence.filter((e) => !e.ok).map((e) => e.label)).to.deep.equal(['the live vector delivers once per fire on the destination']);
    expect(r.evidence.find((e) => e.label === 'PBA after migration')?.ok).to.equal(true);
  });

  it('soft evidence: every view is recorded, the case fails at its end naming each mismatch', async () => {
    const r = await outcome(mutant('silent', async () => undefined), 'function-mask-pends');
    expect(r.outcome).to.equal('failed');
    const bad = r.evidence.filter((e) => !e.ok);
    expect(bad.length).to.be.greaterThan(1);
    for (const b of bad) expect(r.error?.message).to.contain(b.label);
  });
});
