/** JUnit: each testsuite names the host kernel its cases ran on (the box's for a vfio run there, not the outer machine's). */
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect } from 'chai';
import { toJunit } from '../../harness/report/junit-report.js';
import type { RunReport } from '../../harness/results/run-report.js';

const FIXTURE = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../fixtures/reports/seed-released-vs-reverted.json');

describe('JUnit report', () => {
  it('one testsuite per suite, build and host kernel, with that kernel as its property', () => {
    const report = JSON.parse(fs.readFileSync(FIXTURE, 'utf8')) as RunReport;
    // The same cases as if run on a second box kernel too.
    const cases = [...report.cases, ...report.cases.map((c) => ({ ...c, hostKernel: '7.3.0-1-amd64' }))];
    const xml = toJunit({ ...report, host: { ...report.host, kernel: 'outer-machine-kernel' }, cases });
    const kernels = [...xml.matchAll(/<property name="host.kernel" value="([^"]+)"/g)].map((m) => m[1]);
    expect(new Set(kernels)).to.deep.equal(new Set([...new Set(report.cases.map((c) => c.hostKernel))].concat('7.3.0-1-amd64')));
    expect(kernels).to.not.include('outer-machine-kernel');
  });

  it('a case with evidence keeps its skip reason and known-bug hint beside the evidence', () => {
    const report = JSON.parse(fs.readFileSync(FIXTURE, 'utf8')) as RunReport;
    const withEvidence = report.cases.find((c) => c.evidence.length > 0)!;
    const hint = 'known QEMU bug C14 (...), fixed by d2b668fca5 (8.2.2, 9.0.0); this build lacks it';
    const cases = [
      { ...withEvidence, id: 'x1', title: 'known', outcome: 'xfail' as const, knownBug: { id: 'c14', hint } },
      { ...withEvidence, id: 'x2', title: 'skipped', outcome: 'skipped' as const, skipReason: 'no second PBA dword' },
      { ...withEvidence, id: 'x3', title: 'fixed', outcome: 'xpass' as const, knownBug: { id: 'c14', hint: 'fixed here: a backport?' } },
    ] as unknown as RunReport['cases'];
    const xml = toJunit({ ...report, cases });
    const outputs = [...xml.matchAll(/<system-out>([\s\S]*?)<\/system-out>/g)].map((m) => m[1]!);
    expect(outputs).to.have.length(3);
    expect(outputs[0]).to.contain('xfail: known QEMU bug C14').and.contain('fixed by d2b668fca5').and.match(/\[(guest|qemu|host)\]/);
    expect(outputs[1]).to.contain('skipped: no second PBA dword').and.match(/\[(guest|qemu|host)\]/);
    expect(outputs[2]).to.contain('xpass: fixed here: a backport?');
  });
});
