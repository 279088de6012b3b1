import { expect } from 'chai';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { compareSeries, imageSeries } from '../../harness/box/kernel.js';
import { builtinNames } from '../../harness/box/modules.js';

describe('box kernels: package names and built-in modules', () => {
  it('takes the stock amd64 image of every layout and series, and no other flavour', () => {
    // Names as the archive lists them (bookworm, trixie, trixie-backports, sid).
    expect(imageSeries('linux-image-6.1.0-41-amd64')).to.equal('6.1');
    expect(imageSeries('linux-image-6.12.115+deb13.1-amd64')).to.equal('6.12');
    expect(imageSeries('linux-image-6.16.12+deb13-amd64')).to.equal('6.16');
    expect(imageSeries('linux-image-7.3.4+deb13-amd64')).to.equal('7.3');
    expect(imageSeries('linux-image-7.2.13+deb14-amd64')).to.equal('7.2');
    for (const other of ['linux-image-7.3.4+deb13-cloud-amd64', 'linux-image-7.2.13+deb14-rt-amd64-dbg', 'linux-image-6.12.107+deb13-amd64-unsigned', 'linux-image-amd64', 'linux-binary-7.3.4+deb13-amd64', 'linux-image-7.2.11+deb13-amd64-dbg']) {
      expect(imageSeries(other), other).to.equal(undefined);
    }
  });

  it('orders series numerically (6.9 < 6.12 < 7.0)', () => {
    expect(['7.0', '6.12', '6.9', '6.1'].sort(compareSeries)).to.deep.equal(['6.1', '6.9', '6.12', '7.0']);
  });

  it('reads built-in modules from modules.builtin, else modules.builtin.modinfo, else says it cannot tell', async () => {
    const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'msix-harness-test-'));
    try {
      expect(await builtinNames(dir)).to.equal(undefined);
      await fs.writeFile(path.join(dir, 'modules.builtin.modinfo'), 'virtio_pci.license=GPL\0virtio_pci.file=drivers/virtio/virtio_pci\0vfio.version=0.3\0');
      expect([...(await builtinNames(dir))!].sort()).to.deep.equal(['vfio', 'virtio_pci']);
      await fs.writeFile(path.join(dir, 'modules.builtin'), 'kernel/drivers/virtio/virtio-pci.ko\n');
      expect([...(await builtinNames(dir))!]).to.deep.equal(['virtio_pci']);
    } finally {
      await fs.rm(dir, { recursive: true, force: true });
    }
  });
});
