/**
 * The emulated cases must be able to fail: run them with device plugins that
 * misbehave on purpose (the wrong vector, no message)
 * and check each case reports the failure with the evidence that shows it.
 */
import { expect } from 'chai';
import type { DevicePlugin } from '../../harness/devices/device-plugin.js';
import { e1000e } from '../../harness/devices/e1000e.js';
import { defaultSpecs, resolveBuild } from '../../harness/qemu/build-spec.js';
import type { QemuBuild } from '../../harness/qemu/qemu-build.js';
import { runSuites } from '../../harness/runner/run-suite.js';
import { emulatedSuite } from '../../suites/emulated/msix-core-rules.js';

const mutant = (name: string, fire: DevicePlugin['fire']): DevicePlugin => ({ ...e1000e, name, fire });

describe('cases fail when the device misbehaves', function () {
  this.timeout(60_000);
  let build: QemuBuild;
  before(async () => {
    build = await resolveBuild(defaultSpecs()[0]!, () => undefined);
  });

  async function outcome(device: DevicePlugin, grep: string) {
    const [r] = await runSuites({ suites: [emulatedSuite], builds: [build], devices: [device], grep });
    return r!;
  }

  it('a device that signals the wrong vector fails "delivers exactly once"', async () => {
    const r = await outcome(
      mutant('wrong-vector', (dev, v) => e1000e.fire(dev, (v + 1) % 5)),
      'unmasked-delivers-once',
    );
    expect(r.outcome).to.equal('failed');
    expect(r.evidence.find((e) => !e.ok)).to.deep.include({ label: 'vector 0: messages per fire', observed: [0, 0, 0] });
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
});
