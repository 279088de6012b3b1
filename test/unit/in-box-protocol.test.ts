/** The in-box protocol: a case result crosses the console and comes back whole; other lines pass through in order. */
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect } from 'chai';
import type { CaseResult, RunReport } from '../../harness/results/run-report.js';
import { caseForConsole, InBoxReader } from '../../harness/runner/in-box-protocol.js';

const FIXTURE = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../fixtures/reports/seed-released-vs-reverted.json');

describe('in-box protocol', () => {
  it('case results come back whole, between the other output lines, in short console lines', () => {
    const cases = (JSON.parse(fs.readFileSync(FIXTURE, 'utf8')) as RunReport).cases.slice(0, 3);
    const text = ['booting', ...cases.map((c) => caseForConsole(c).trimEnd()), 'done'].join('\n');
    expect(Math.max(...text.split('\n').map((l) => l.length))).to.be.at.most(76);
    const got: CaseResult[] = [];
    const other: string[] = [];
    const reader = new InBoxReader((r) => got.push(r), (l) => other.push(l));
    for (const l of text.split('\n')) reader.line(l);
    expect(got).to.deep.equal(cases);
    expect(other).to.deep.equal(['booting', 'done']);
  });
});
