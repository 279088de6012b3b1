import { expect } from 'chai';
import { caseIdText, parseCaseId, refersTo } from '../../harness/case-id.js';

describe('case ids', () => {
  it('carry the machine type where it is not q35, and parse back', () => {
    expect(caseIdText({ suite: 'emulated', device: 'nvme', slug: 'layout' })).to.equal('emulated.nvme.layout');
    expect(caseIdText({ suite: 'emulated', device: 'nvme', slug: 'layout', machine: 'q35' })).to.equal('emulated.nvme.layout');
    expect(caseIdText({ suite: 'emulated', device: 'nvme', slug: 'layout', machine: 'pc' })).to.equal('emulated.nvme.layout@pc');
    expect(parseCaseId('emulated.nvme.layout@pc')).to.deep.equal({ suite: 'emulated', device: 'nvme', slug: 'layout', machine: 'pc' });
    expect(parseCaseId('emulated.nvme.layout@q35')).to.deep.equal({ suite: 'emulated', device: 'nvme', slug: 'layout' });
    for (const bad of ['emulated.nvme', 'emulated.nvme.layout@', 'emulated.nvme.layout@pc@pc', 'a.b.c.d']) expect(parseCaseId(bad), bad).to.equal(undefined);
  });

  it('a known bug on a case applies on every machine type', () => {
    expect(refersTo({ suite: 'emulated', slug: 'layout', device: 'nvme' }, { suite: 'emulated', device: 'nvme', slug: 'layout', machine: 'pc' })).to.equal(true);
  });
});
