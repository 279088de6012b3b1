/** The migration matrix's gate: same-build and forward pairs must hold; a backward pair is shown, never gated. */
import { expect } from 'chai';
import { migrationDirection, migrationHolds } from '../../harness/results/migration-direction.js';
import type { BuildRef, CaseResult, Outcome } from '../../harness/results/run-report.js';
import type { QemuBuild } from '../../harness/builds/qemu-build.js';
import { migrationMachineTypes } from '../../harness/runner/migration-matrix.js';

const build = (version: string, sha256 = version): BuildRef => ({ label: version, spec: `x:${version}`, version, package: '', path: '/q', sha256, accel: 'qtest' });
const result = (from: BuildRef, to: BuildRef, outcome: Outcome): CaseResult => ({ id: 'emulated.e1000e.migration-keeps-msix-state', suite: 'emulated', title: 't', device: 'e1000e', qemu: from, migratedTo: to, hostKernel: 'k', outcome, durationMs: 1, pins: ['C16'], evidence: [] });

describe('migration direction and gate', () => {
  const [a, b, c] = [build('7.2.22'), build('10.0.2'), build('11.1.3')];

  it('orders by version (numerically), the same binary being the same build', () => {
    expect(migrationDirection(a, b)).to.equal('forward');
    expect(migrationDirection(c, b)).to.equal('backward');
    expect(migrationDirection(b, build('10.0.13'))).to.equal('forward');
    expect(migrationDirection(a, a)).to.equal('same');
  });

  it('a failed forward or same-build pair fails the matrix; a failed backward pair does not', () => {
    expect(migrationHolds([result(a, b, 'passed'), result(c, a, 'failed')])).to.equal(true);
    expect(migrationHolds([result(a, c, 'failed')])).to.equal(false);
    expect(migrationHolds([result(b, b, 'error')])).to.equal(false);
  });
});

describe('the machine types a pair migrates on', () => {
  const q = (major: number, minor: number) => ({ version: { major, minor, micro: 0 } }) as unknown as QemuBuild;
  const shared = ['pc-i440fx-5.2', 'pc-q35-5.2', 'pc-i440fx-7.2', 'pc-q35-7.2'];

  it("by default those named after either build's release, q35 and i440fx; with all, every one both share", () => {
    expect(migrationMachineTypes(shared, q(7, 2), q(11, 1), 'releases')).to.deep.equal(['pc-i440fx-7.2', 'pc-q35-7.2']);
    expect(migrationMachineTypes(shared, q(5, 2), q(7, 2), 'releases')).to.deep.equal(shared);
    expect(migrationMachineTypes(shared, q(7, 2), q(11, 1), 'all')).to.deep.equal(shared);
  });

  it('with none named after either release (a development build), the newest shared q35 type', () => {
    expect(migrationMachineTypes(shared, q(8, 1), q(8, 1), 'releases')).to.deep.equal(['pc-q35-7.2']);
  });
});
