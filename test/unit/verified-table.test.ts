import { expect } from 'chai';
import fs from 'node:fs';
import path from 'node:path';
import type { RunReport } from '../../harness/results/run-report.js';
import { verifiedTable } from '../../harness/report/verified-table.js';

const fixture = (f: string) => path.join(path.dirname(new URL(import.meta.url).pathname), '../../../fixtures', f);

describe('the verified table (README) from a JSON report', () => {
  const report = JSON.parse(fs.readFileSync(fixture('reports/seed-released-vs-reverted.json'), 'utf8')) as RunReport;
  const table = verifiedTable(report);
  const rows = table.split('\n').filter((l) => l.startsWith('| 7.2.22'));

  it('has a row per build and a column per suite and kernel', () => {
    expect(rows).to.have.length(2);
    const kernels = [...new Set(report.cases.map((c) => c.hostKernel))];
    for (const k of kernels) expect(table.split('\n')[0]).to.include(`vfio on kernel ${k}`);
  });

  it('counts what the report says: the released build passes all, the reverted one names its failures', () => {
    const released = rows.find((r) => r.includes('seed:released'))!;
    const reverted = rows.find((r) => r.includes('seed:reverted'))!;
    const relCases = report.cases.filter((c) => c.qemu.spec === 'seed:released' && c.outcome !== 'skipped');
    const revFailed = report.cases.filter((c) => c.qemu.spec === 'seed:reverted' && c.outcome === 'failed');
    expect(revFailed.length).to.be.greaterThan(0);
    expect(released).to.not.include('failed');
    expect(released).to.include(`passed`);
    expect(relCases.length).to.be.greaterThan(0);
    expect(reverted).to.include(`**${revFailed.length} failed**`);
  });
});
