import { expect } from 'chai';
import { formatBdf, parseBdf } from '../../harness/pci/bdf.js';

describe('PCI addresses', () => {
  it('parses with and without a segment and formats back', () => {
    expect(parseBdf('0000:00:03.0')).to.deep.equal({ bus: 0, dev: 3, fn: 0 });
    expect(formatBdf(parseBdf('1a:1f.7'))).to.equal('0000:1a:1f.7');
  });
  it('refuses what is not a BDF', () => {
    for (const bad of ['00:03', '0001:00:03.0', '00:20.0', '00:03.8', 'x']) expect(() => parseBdf(bad), bad).to.throw();
  });
});
