/**
 * The speed work's measuring pieces: the time ledger partitions a case's
 * wall time by the innermost kind of work (a qtest poll inside a wait is
 * qtest time), the box's boot splits into stages from the init's stamps,
 * the in-box runner's start crosses the console, and a shuffle seed gives
 * one fixed permutation.
 */
import { expect } from 'chai';
import { charge, closeLedger, openLedger, PARTS } from '../../harness/time-ledger.js';
import { bootStages } from '../../harness/box/box.js';
import { inCaseOrder } from '../../harness/runner/case-order.js';
import { InBoxReader, readyForConsole } from '../../harness/runner/in-box-protocol.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('time accounting', () => {
  it('charges nested work to the innermost kind and the parts sum to the wall time', async () => {
    const l = openLedger();
    const t0 = performance.now();
    await charge('wait', async () => {
      await sleep(30);
      await charge('qtest', () => sleep(40));
    });
    await charge('host-read', () => sleep(20));
    await sleep(10);
    const wall = performance.now() - t0;
    const p = l.parts();
    closeLedger(l);
    expect(p.qtest).to.be.within(35, 80);
    expect(p.wait).to.be.within(25, 70);
    expect(p['host-read']).to.be.within(15, 60);
    const sum = PARTS.reduce((s, k) => s + p[k], 0);
    expect(sum).to.be.within(wall - 5, wall + 5);
  });

  it('charges overlapping work to the higher kind once, not twice', async () => {
    const l = openLedger();
    await Promise.all([charge('qmp', () => sleep(40)), charge('qtest', () => sleep(40))]);
    const p = l.parts();
    closeLedger(l);
    expect(p.qmp).to.be.within(35, 80);
    expect(p.qtest).to.be.below(10);
  });

  it('with no ledger open, charging only runs the work; a throwing start ends its charge', async () => {
    expect(await charge('qtest', async () => 7)).to.equal(7);
    const l = openLedger();
    expect(() => charge('qtest', () => { throw new Error('refused'); })).to.throw('refused');
    await sleep(15);
    const p = l.parts();
    closeLedger(l);
    expect(p.other).to.be.at.least(10);
    expect(p.qtest).to.be.below(5);
  });

  it('splits a boot into the outer part and the init stages from kernel-clock stamps', () => {
    expect(bootStages(4000, [['kernel', 2150], ['modules', 2460], ['mounts', 2740]])).to.deep.equal([
      { stage: 'outer', ms: 1260 },
      { stage: 'kernel', ms: 2150 },
      { stage: 'modules', ms: 310 },
      { stage: 'mounts', ms: 280 },
    ]);
    expect(bootStages(1000, [])).to.deep.equal([{ stage: 'outer', ms: 1000 }]);
  });

  it('carries the in-box runner start over the console, apart from case results', () => {
    const other: string[] = [];
    const r = new InBoxReader(() => undefined, (l) => other.push(l));
    for (const l of `progress\n${readyForConsole(8890.4)}`.trimEnd().split('\n')) r.line(l);
    expect(r.runnerStartMs).to.equal(8890);
    expect(other).to.deep.equal(['progress']);
  });
});

describe('case order', () => {
  const ids = Array.from({ length: 40 }, (_, i) => i);
  it('keeps the suite order without a seed', () => expect(inCaseOrder(ids, undefined)).to.deep.equal(ids));
  it('gives one fixed permutation per seed, another for another seed', () => {
    const a = inCaseOrder(ids, 20261205);
    expect(a).to.not.deep.equal(ids);
    expect([...a].sort((x, y) => x - y)).to.deep.equal(ids);
    expect(inCaseOrder(ids, 20261205)).to.deep.equal(a);
    expect(inCaseOrder(ids, 1)).to.not.deep.equal(a);
  });
});
