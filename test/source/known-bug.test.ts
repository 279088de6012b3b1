/**
 * A real known QEMU bug end to end, on real Debian releases: e1000e-delayed-
 * causes (fixed by 8e4649cac9 in 10.0.4 and 7.2.20). bookworm-backports'
 * 10.0.2 has it: the held-cause case is xfail with the hint, and --strict
 * makes that fail the run; trixie's 10.0.13 has the fix: the case passes.
 */
import { expect } from 'chai';
import { fileURLToPath } from 'node:url';
import { execa } from 'execa';
import { devicePlugin } from '../../harness/devices/index.js';
import { resolveBuild } from '../../harness/builds/build-spec.js';
import { runSuites } from '../../harness/runner/run-suite.js';
import { emulatedSuite } from '../../suites/emulated/msix-core-rules.js';

const MAIN = fileURLToPath(new URL('../../bin/msix-harness.js', import.meta.url));
const CASE = 'held-cause-across-msix-enable';

describe('a real known QEMU bug: xfail where the release has it, pass where it was fixed', function () {
  this.timeout(600_000);
  const progress = (m: string) => process.stderr.write(`      ${m}\n`);

  it('10.0.2 (has it): xfail with the fixing commit; 10.0.13 (fixed): passed', async () => {
    const builds = [await resolveBuild('debian:bookworm-backports', progress), await resolveBuild('debian:trixie', progress)];
    const results = await runSuites({ suites: [emulatedSuite], builds, devices: [devicePlugin('e1000e')], select: (c) => new RegExp(CASE).test(c.slug) });
    const on = (v: string) => results.find((r) => r.qemu.version === v)!;
    expect(on('10.0.2').outcome).to.equal('xfail');
    expect(on('10.0.2').rawOutcome).to.equal('failed');
    expect(on('10.0.2').knownBug?.hint).to.equal(
      'known QEMU bug e1000e-delayed-causes (e1000e aborted (delayed_causes assertion) when a cause held back by TIDV met a new cause after MSI-X enable (gitlab #1863)), fixed by 8e4649cac9 (7.2.20, 10.0.4, 10.2.0); this build lacks it',
    );
    expect(on('10.0.2').evidence.find((e) => !e.ok)?.observed).to.match(/SIGABRT.*delayed_causes/);
    expect(on('10.0.13').outcome).to.equal('passed');
  });

  it('an open bug found by counting: e1000e sends two messages for one cause from 8.0 (EITR re-send); one on 7.2.22; igb one', async () => {
    const builds = [await resolveBuild('debian:bookworm', progress), await resolveBuild('debian:bookworm-backports', progress), await resolveBuild('debian:newest', progress)];
    const results = await runSuites({ suites: [emulatedSuite], builds, devices: [devicePlugin('e1000e'), devicePlugin('igb')], select: (c) => c.slug === 'one-message-per-cause' });
    const on = (device: string, v: string) => results.find((r) => r.device === device && r.qemu.version === v)!;
    const counted = (r: { evidence: readonly { label: string; observed: unknown }[] }) => r.evidence.find((e) => e.label === 'messages for one cause, with the clock run')?.observed;
    expect(on('e1000e', '7.2.22').outcome).to.equal('passed');
    expect(counted(on('e1000e', '7.2.22'))).to.equal(1);
    for (const v of ['10.0.2', '11.1.3']) {
      expect(on('e1000e', v).rawOutcome, v).to.equal('failed');
      expect(on('e1000e', v).outcome, v).to.equal('xfail');
      expect(counted(on('e1000e', v)), v).to.equal(2);
      expect(on('e1000e', v).knownBug?.hint, v).to.contain('e1000e-eitr-resend').and.contain('open: no QEMU has a fix (since 31e3f318c8)');
      expect(on('igb', v).outcome, `igb ${v}`).to.equal('passed');
    }
  });

  it('a known failure does not fail a run; --strict does', async () => {
    const args = ['run', '--suite', 'emulated', '--device', 'e1000e', '--grep', CASE, '--qemu', 'debian:bookworm-backports'];
    const plain = await execa(process.execPath, [MAIN, ...args], { reject: false, stdin: 'ignore' });
    expect(plain.exitCode, plain.stderr).to.equal(0);
    expect(plain.stdout).to.match(/1 xfail/);
    const strict = await execa(process.execPath, [MAIN, ...args, '--strict'], { reject: false, stdin: 'ignore' });
    expect(strict.exitCode).to.equal(1);
  });
});
