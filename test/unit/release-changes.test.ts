/** The release sweep's change list: outcome and counted-observation changes between consecutive releases, each explained by a known bug or not. */
import { expect } from 'chai';
import { releaseChanges } from '../../harness/matrix/release-changes.js';
import type { BuildRef, CaseResult, RawOutcome } from '../../harness/results/run-report.js';
import type { Observation } from '../../harness/results/observation.js';

const build = (version: string): BuildRef => ({ label: version, spec: `x:${version}`, version, package: '', path: '/q', sha256: version, accel: 'qtest' });
const obs = (label: string, observed: unknown, expected: unknown): Observation => ({ label, view: 'guest', expected, observed, ok: JSON.stringify(observed) === JSON.stringify(expected) });
const result = (id: string, version: string, raw: RawOutcome, evidence: Observation[] = [], knownBug?: string): CaseResult => ({
  id,
  suite: 'emulated',
  title: 't',
  device: 'nvme',
  qemu: build(version),
  hostKernel: 'k',
  outcome: knownBug ? 'xfail' : raw,
  rawOutcome: raw,
  ...(knownBug ? { knownBug: { id: knownBug, hint: 'h' } } : {}),
  durationMs: 1,
  pins: ['C21'],
  evidence,
});
const ORDER = ['7.2.22', '10.0.2', '10.0.13'];

describe('release sweep: changes between consecutive releases', () => {
  it('a case failing on one release and passing on the next is a change, explained by the known bug it matched', () => {
    const s = releaseChanges([result('a', '7.2.22', 'failed', [obs('NumVFs', 0, 3)], 'sriov-numvfs-cleared'), result('a', '10.0.2', 'passed', [obs('NumVFs', 3, 3)]), result('a', '10.0.13', 'passed', [obs('NumVFs', 3, 3)])], ORDER);
    expect(s.changes).to.have.length(1);
    expect(s.changes[0]).to.deep.include({ caseId: 'a', from: '7.2.22', to: '10.0.2', outcome: ['failed', 'passed'], knownBug: 'sriov-numvfs-cleared' });
    expect(s.changes[0]!.observations).to.deep.equal([{ label: 'NumVFs', before: 0, after: 3 }]);
  });

  it('a counted observation that changes while both releases fail is a change too, and without a known bug it is unexplained', () => {
    const s = releaseChanges([result('b', '10.0.2', 'failed', [obs('messages for one cause', 2, 1)]), result('b', '10.0.13', 'failed', [obs('messages for one cause', 3, 1)])], ORDER);
    expect(s.changes).to.have.length(1);
    expect(s.changes[0]!.knownBug).to.equal(undefined);
  });

  it('an observation both releases expected (a trait of the build) and skips on one side are not changes', () => {
    const s = releaseChanges(
      [result('c', '7.2.22', 'passed', [obs('PBA write logged', false, false)]), result('c', '10.0.2', 'passed', [obs('PBA write logged', true, true)]), result('d', '7.2.22', 'skipped'), result('d', '10.0.2', 'passed')],
      ORDER,
    );
    expect(s.changes).to.deep.equal([]);
    expect(s.appeared).to.equal(1);
  });

  it('a change is explained by the registry as it is now, not as it was when the case ran (a sweep keeps its reports)', () => {
    const id = 'emulated.nvme.absent-entry-faults';
    const noFault = [obs('interrupt remapping fault recorded for an absent entry', false, true)];
    const s = releaseChanges([result(id, '7.2.5', 'failed', noFault), result(id, '8.2.0', 'passed', [obs('interrupt remapping fault recorded for an absent entry', true, true)])], ['7.2.5', '8.2.0']);
    expect(s.changes).to.have.length(1);
    expect(s.changes[0]!.knownBug).to.equal('vtd-ir-faults-not-recorded');
  });
});
