/** The inspector's words for what an action changed, host side included, and the box job's network settings. */
import { expect } from 'chai';
import { parseAction, stateChanges, type InspectState } from '../../harness/inspect/inspect-session.js';
import { jobArchive } from '../../harness/box/job-archive.js';

const guest: InspectState = { enabled: true, functionMasked: false, entries: [{ vector: 0, address: '0x100000', data: '0x5a00', masked: false }], pending: [], deliveries: [2] };
const host = (over: Partial<NonNullable<InspectState['host']>> = {}): NonNullable<InspectState['host']> => ({ bdf: '0000:00:03.0', enabled: true, functionMasked: false, msiIrqs: [30], lines: [{ irq: 30, name: 'vfio-msix[0](0000:00:03.0)', kind: 'msix', vector: 0, total: 5 }], ...over });

describe('inspector: what an action changed', () => {
  it('no change is no words', () => {
    expect(stateChanges({ ...guest, host: host() }, { ...guest, host: host() })).to.deep.equal([]);
  });

  it('a fire: the delivery and the host line count', () => {
    const after = { ...guest, deliveries: [3], host: host({ lines: [{ irq: 30, name: 'vfio-msix[0](0000:00:03.0)', kind: 'msix', vector: 0, total: 6 }] }) };
    expect(stateChanges({ ...guest, host: host() }, after)).to.deep.equal(['deliveries[0]: 2 -> 3', 'host vfio-msix[0](0000:00:03.0): 5 -> 6']);
  });

  it('a line that appears, one that goes, and the physical Enable', () => {
    const before = { ...guest, enabled: false, host: host({ enabled: false, msiIrqs: [], lines: [{ irq: 11, name: 'vfio-intx(0000:00:03.0)', kind: 'intx', total: 0 }] }) };
    expect(stateChanges(before, { ...guest, host: host() })).to.deep.equal([
      'Enable: false -> true',
      'host MSI-X Enable: false -> true',
      'host msi_irqs: [] -> [30]',
      'host vfio-msix[0](0000:00:03.0): new, count 5',
      'host vfio-intx(0000:00:03.0): gone',
    ]);
  });

  it('actions off the list, or with a vector out of range, are refused', () => {
    expect(() => parseAction({ action: 'fire', vector: 5 }, 5)).to.throw('fire needs a vector 0..4');
    expect(() => parseAction({ action: 'enable', vector: 0 }, 5)).to.throw('enable takes no vector');
    expect(() => parseAction({ action: 'rm -rf /' }, 5)).to.throw(/unknown action/);
    expect(parseAction({ action: 'fire', vector: 4 }, 5)).to.deep.equal({ action: 'fire', vector: 4 });
  });
});

describe('box job: a forwarded port brings up the NIC', () => {
  const runEnv = (net?: { bdf: string; address: string }) => {
    const text = jobArchive({ command: ['true'], cwd: '/', env: {}, vfioBdfs: [], nonce: 'n', ...(net ? { net } : {}) }).toString('latin1');
    return text.slice(text.indexOf('BOX_NONCE='), text.indexOf('\n', text.indexOf('BOX_NET_ADDRESS=')));
  };

  it('names the NIC, its address and its driver', () => {
    expect(runEnv({ bdf: '0000:00:05.0', address: '10.0.2.15' })).to.contain('BOX_HOST_DRIVERS="virtio_net"').and.contain('BOX_NET_BDF="0000:00:05.0"').and.contain('BOX_NET_ADDRESS="10.0.2.15"');
    expect(runEnv()).to.contain('BOX_HOST_DRIVERS=""').and.contain('BOX_NET_BDF=""');
  });

  it('refuses what would not be a BDF or an address in the init', () => {
    expect(() => runEnv({ bdf: '0000:00:05.0;reboot', address: '10.0.2.15' })).to.throw('bad BDF');
    expect(() => runEnv({ bdf: '0000:00:05.0', address: '$(reboot)' })).to.throw('bad address');
  });
});
