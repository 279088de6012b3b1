/** The device-independent contract's layout checks can fail: a looping or misaligned capability chain, a table past its BAR, overlapping table and PBA. */
import { expect } from 'chai';
import { capabilityChainProblems } from '../../harness/pci/capabilities.js';
import { msixLayoutProblems, type MsixCapability } from '../../harness/irq/msix-capability.js';

/** A config space from a map of offset -> byte. */
const config = (bytes: Record<number, number>) => (offset: number, size: 1 | 2 | 4) => {
  let v = 0;
  for (let i = size - 1; i >= 0; i--) v = (v << 8) | (bytes[offset + i] ?? 0);
  return v >>> 0;
};
const STATUS_CAPS = { 0x06: 0x10 };

describe('contract layout checks', () => {
  it('a sane chain has no problem; a loop, a pointer into the header and a misaligned one each do', async () => {
    expect(await capabilityChainProblems(config({ ...STATUS_CAPS, 0x34: 0x40, 0x40: 0x11, 0x41: 0x50, 0x50: 0x05, 0x51: 0 }))).to.deep.equal([]);
    expect(await capabilityChainProblems(config({ ...STATUS_CAPS, 0x34: 0x40, 0x40: 0x11, 0x41: 0x50, 0x50: 0x05, 0x51: 0x40 }))).to.have.length(1).and.match(/loop/);
    expect((await capabilityChainProblems(config({ ...STATUS_CAPS, 0x34: 0x20, 0x20: 0x11, 0x21: 0 })))[0]).to.match(/outside 0x40/);
    expect((await capabilityChainProblems(config({ ...STATUS_CAPS, 0x34: 0x42, 0x40: 0x11, 0x41: 0 })))[0]).to.match(/not dword aligned/);
    expect(await capabilityChainProblems(config({}))).to.deep.equal([]);
  });

  it('a table and PBA inside their BARs and apart have no problem; past the end, overlapping or in an I/O BAR do', () => {
    const cap = (c: Partial<MsixCapability>): MsixCapability => ({ offset: 0x70, tableSize: 16, tableBir: 1, tableOffset: 0, pbaBir: 1, pbaOffset: 0x800, ...c });
    const bars = (i: number) => ({ 0: { size: 0x100, kind: 'io' }, 1: { size: 0x1000, kind: 'mem32' } })[i as 0 | 1];
    expect(msixLayoutProblems(cap({}), bars)).to.deep.equal([]);
    expect(msixLayoutProblems(cap({ tableOffset: 0xf80 }), bars).join()).to.match(/runs past the end of BAR1/);
    expect(msixLayoutProblems(cap({ pbaOffset: 0x80 }), bars).join()).to.match(/overlap/);
    expect(msixLayoutProblems(cap({ tableBir: 0 }), bars).join()).to.match(/an I\/O BAR/);
    expect(msixLayoutProblems(cap({ pbaBir: 3 }), bars).join()).to.match(/does not have/);
  });
});
