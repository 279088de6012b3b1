import { expect } from 'chai';
import { describeMismatch, Evidence, plain } from '../../harness/case/evidence.js';

describe('evidence: soft, readable', () => {
  it('records every expectation and fails at the end, naming each mismatch with its view', () => {
    const ev = new Evidence();
    expect(ev.guest.expect('guest Enable', true, true)).to.equal(true);
    expect(ev.host.expect('physical MSI-X Enable', false, true)).to.equal(false);
    ev.host.expect('vfio-intx line back', false, true);
    expect(ev.items).to.have.length(3);
    expect(() => ev.settle()).to.throw(/2 expectations failed:\n {2}host: physical MSI-X Enable: expected true, observed false\n {2}host: vfio-intx line back/);
  });

  it('require stops the case at once', () => {
    const ev = new Evidence();
    expect(() => ev.host.require('host line exists', false, true)).to.throw('host: host line exists: expected true, observed false');
  });

  it('an unknown trait records the observation without asserting it', () => {
    const ev = new Evidence();
    ev.host.expectPerTrait('vfio-msix lines', [0], { value: 'unknown', source: '8.1.50 is a development version' }, (x) => (x ? [] : [0]));
    expect(ev.items[0]).to.deep.include({ ok: true, observed: [0] });
    expect(String(ev.items[0]!.expected)).to.match(/not asserted: trait unknown \(8\.1\.50/);
    ev.host.expectPerTrait('vfio-msix lines', [0], { value: true, source: 'binary' }, (x) => (x ? [] : [0]));
    expect(ev.mismatches).to.have.length(1);
  });

  it('bit arrays read as sets of vector numbers, bigints as hex', () => {
    const pba = Array.from({ length: 65 }, (_, i) => i === 0 || i === 64);
    expect(plain(pba)).to.equal('{0, 64}');
    expect(plain(Array(5).fill(false))).to.equal('{}');
    expect(plain([true, false])).to.deep.equal([true, false]);
    expect(plain({ address: 0xfee00000n })).to.deep.equal({ address: '0xfee00000' });
  });

  it('long arrays show only the entries that differ', () => {
    const expected = Array.from({ length: 20 }, () => 1);
    const observed = expected.map((x, i) => (i === 7 ? 0 : x));
    expect(describeMismatch({ view: 'guest', label: 'messages per fire', expected, observed })).to.equal('guest: messages per fire: 20 entries, 1 differ: [7] expected 1, observed 0');
  });
});
