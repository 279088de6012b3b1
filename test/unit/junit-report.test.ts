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
});
