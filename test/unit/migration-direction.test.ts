/** The migration matrix's gate: same-build and forward pairs must hold; a backward pair is shown, never gated. */
import { expect } from 'chai';
import { migrationDirection, migrationHolds } from '../../harness/results/migration-direction.js';
import type { BuildRef, CaseResult, Outcome } from '../../harness/results/run-report.js';

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
