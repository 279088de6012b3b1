/**
 * The refusals of vfio binding, on a sysfs/procfs tree built like the real
 * one (symlinks for driver and iommu_group, flags and dev files). Binding for
 * real, and putting the device back, is tested in the box (test/box).
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { expect } from 'chai';
import { checkBindable } from '../../harness/host/vfio-binding.js';
import type { HostRoots } from '../../harness/host/pci-sysfs.js';
import { EnvironmentError } from '../../harness/errors.js';

const BDF = '0000:01:00.0';
const PEER = '0000:01:00.1';

/** A host with BDF (and PEER) in IOMMU group 7, both on `driver`, vfio-pci loaded. */
function fakeHost(o: { driver?: string; peerDriver?: string; group?: boolean; vfioLoaded?: boolean; netFlags?: string; mounted?: boolean; numVfs?: number; override?: string } = {}): HostRoots & { dir: string } {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'msix-harness-test-sysfs-'));
  const sys = path.join(dir, 'sys');
  const proc = path.join(dir, 'proc');
  const dev = (b: string) => path.join(sys, 'bus/pci/devices', b);
  const drivers = path.join(sys, 'bus/pci/drivers');
  for (const d of ['e1000e', 'nvme', ...(o.vfioLoaded === false ? [] : ['vfio-pci'])]) fs.mkdirSync(path.join(drivers, d), { recursive: true });
  fs.mkdirSync(path.join(sys, 'kernel/iommu_groups/7/devices'), { recursive: true });
  fs.mkdirSync(path.join(proc, 'self'), { recursive: true });
  const devices: [string, string | undefined][] = [[BDF, o.driver ?? 'e1000e'], ...(o.peerDriver !== undefined ? [[PEER, o.peerDriver || undefined] as [string, string | undefined]] : [])];
  for (const [b, drv] of devices) {
    fs.mkdirSync(dev(b), { recursive: true });
    fs.writeFileSync(path.join(dev(b), 'driver_override'), `${o.override ?? '(null)'}\n`);
    if (drv) fs.symlinkSync(path.join(drivers, drv), path.join(dev(b), 'driver'));
    if (o.group !== false) {
      fs.symlinkSync(path.join(sys, 'kernel/iommu_groups/7'), path.join(dev(b), 'iommu_group'));
      fs.symlinkSync(dev(b), path.join(sys, 'kernel/iommu_groups/7/devices', b));
    }
  }
  if (o.netFlags) {
    fs.mkdirSync(path.join(dev(BDF), 'net/eth0'), { recursive: true });
    fs.writeFileSync(path.join(dev(BDF), 'net/eth0/flags'), `${o.netFlags}\n`);
  }
  if (o.numVfs !== undefined) fs.writeFileSync(path.join(dev(BDF), 'sriov_numvfs'), `${o.numVfs}\n`);
  // An nvme disk with a partition, as sysfs nests them, and their /sys/class/block links.
  fs.mkdirSync(path.join(dev(BDF), 'nvme/nvme0/nvme0n1/nvme0n1p1'), { recursive: true });
  fs.mkdirSync(path.join(sys, 'class/block'), { recursive: true });
  fs.symlinkSync(path.join(dev(BDF), 'nvme/nvme0/nvme0n1'), path.join(sys, 'class/block/nvme0n1'));
  fs.symlinkSync(path.join(dev(BDF), 'nvme/nvme0/nvme0n1/nvme0n1p1'), path.join(sys, 'class/block/nvme0n1p1'));
  fs.writeFileSync(path.join(dev(BDF), 'nvme/nvme0/nvme0n1/dev'), '259:0\n');
  fs.writeFileSync(path.join(dev(BDF), 'nvme/nvme0/nvme0n1/nvme0n1p1/dev'), '259:1\n');
  fs.writeFileSync(path.join(proc, 'self/mountinfo'), `22 1 0:21 / /proc rw - proc proc rw\n${o.mounted ? '30 1 259:1 / /data rw,relatime - ext4 /dev/nvme0n1p1 rw\n' : ''}`);
  return { sys, proc, dir };
}

const refusal = (f: () => unknown): EnvironmentError => {
  try {
    f();
  } catch (e) {
    expect(e).to.be.instanceOf(EnvironmentError);
    return e as EnvironmentError;
  }
  throw new Error('expected a refusal');
};

describe('vfio binding: what is refused before anything is written', () => {
  const made: string[] = [];
  const host = (o: Parameters<typeof fakeHost>[0] = {}) => {
    const h = fakeHost(o);
    made.push(h.dir);
    return h;
  };
  after(() => made.forEach((d) => fs.rmSync(d, { recursive: true, force: true })));

  it('saves driver, driver_override ("(null)" is unset) and the VF count of a bindable device', () => {
    expect(checkBindable(BDF, host({ numVfs: 4 }), false)).to.deep.equal({ bdf: BDF, driver: 'e1000e', override: '', numVfs: 4 });
    expect(checkBindable(BDF, host({ override: 'e1000e', numVfs: 0 }), false)).to.deep.equal({ bdf: BDF, driver: 'e1000e', override: 'e1000e' });
  });

  it('refuses a BDF that does not exist', () => {
    expect(refusal(() => checkBindable('0000:09:00.0', host(), false)).message).to.contain('no PCI device 0000:09:00.0');
  });

  it('refuses a device with no IOMMU group, and says how to get one', () => {
    const e = refusal(() => checkBindable(BDF, host({ group: false }), false));
    expect(e.message).to.contain('no IOMMU group');
    expect(e.fix).to.contain('intel_iommu=on');
  });

  it('refuses when vfio-pci is not loaded', () => {
    expect(refusal(() => checkBindable(BDF, host({ vfioLoaded: false }), false)).fix).to.contain('modprobe vfio-pci');
  });

  it('refuses a group whose other device is on a host driver, naming it (and never offers to bind it)', () => {
    const e = refusal(() => checkBindable(BDF, host({ peerDriver: 'nvme' }), false));
    expect(e.message).to.contain(`${PEER} (on nvme)`);
    expect(e.fix).to.contain('binds only the device you name');
  });

  it('accepts group peers with no driver or on vfio-pci', () => {
    expect(checkBindable(BDF, host({ peerDriver: '' }), false).driver).to.equal('e1000e');
    expect(checkBindable(BDF, host({ peerDriver: 'vfio-pci' }), false).driver).to.equal('e1000e');
  });

  it('refuses a device whose network interface is up, unless forced', () => {
    const h = host({ netFlags: '0x1003' });
    expect(refusal(() => checkBindable(BDF, h, false)).message).to.contain('network interface eth0 is up');
    expect(checkBindable(BDF, h, true).driver).to.equal('e1000e');
    expect(checkBindable(BDF, host({ netFlags: '0x1002' }), false).driver).to.equal('e1000e');
  });

  it('refuses a device backing a mounted filesystem (a partition), unless forced', () => {
    const h = host({ mounted: true });
    expect(refusal(() => checkBindable(BDF, h, false)).message).to.contain('/dev/nvme0n1p1 mounted on /data');
    expect(checkBindable(BDF, h, true).driver).to.equal('e1000e');
  });

  it('does not check usage of a device already on vfio-pci', () => {
    expect(checkBindable(BDF, host({ driver: 'vfio-pci', netFlags: '0x1003' }), false).driver).to.equal('vfio-pci');
  });
});
