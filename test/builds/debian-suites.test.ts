/**
 * Every Debian suite the archive serves starts, each the way it can:
 * bullseye's 5.2 through its own closure and glibc 2.31 loader (which has
 * no --argv0), forky's newer one through its own closure too. Each runs one
 * case of the emulated suite, so qtest and QMP work end to end.
 */
import { expect } from 'chai';
import { resolveBuild } from '../../harness/builds/build-spec.js';
import { devicePlugin } from '../../harness/devices/index.js';
import { runSuites } from '../../harness/runner/run-suite.js';
import { emulatedSuite } from '../../suites/emulated/msix-core-rules.js';

describe('Debian suites beyond the machine\'s own: each starts', function () {
  this.timeout(900_000);
  const progress = (m: string) => process.stderr.write(`      ${m}\n`);

  for (const suite of ['bullseye', 'forky']) {
    it(`debian:${suite} starts and runs a case`, async () => {
      const build = await resolveBuild(`debian:${suite}`, progress);
      expect(build.launch.libraries, `${suite} runs with its own libraries`).to.equal('own');
      const [r] = await runSuites({ suites: [emulatedSuite], builds: [build], devices: [devicePlugin('e1000e')], select: (c) => c.slug === 'reset-state' });
      expect(r?.outcome, r?.error?.message).to.equal('passed');
    });
  }
});
