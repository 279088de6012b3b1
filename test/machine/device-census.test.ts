/**
 * Every MSI-X device a build offers, found from the build: the census of the
 * machine's own QEMU lists what it found and left out, and a device no
 * plugin knows gets the device-independent contract (and only that).
 */
import { expect } from 'chai';
import { defaultSpecs, resolveBuild } from '../../harness/builds/build-spec.js';
import type { QemuBuild } from '../../harness/builds/qemu-build.js';
import { deviceCensus, devicesOffered } from '../../harness/runner/device-census.js';
import { runSuites } from '../../harness/runner/run-suite.js';
import { emulatedSuite } from '../../suites/emulated/msix-core-rules.js';

describe('device census and the device-independent contract (real QEMU)', function () {
  this.timeout(300_000);
  let build: QemuBuild;
  before(async () => {
    build = await resolveBuild(defaultSpecs()[0]!, () => undefined);
  });

  it('finds the MSI-X devices with their table sizes, and says why each other device is left out', async () => {
    const c = await deviceCensus(build, 'q35', () => undefined);
    const found = new Map(c.msix.map((d) => [d.name, d]));
    expect(found.get('e1000e')).to.deep.include({ vectors: 5, tableBar: 3 });
    // A bridge: its header has two BARs, read as such.
    expect(found.get('pcie-root-port')?.vectors).to.equal(1);
    expect(c.found).to.equal(c.msix.length + c.leftOut.length);
    expect(c.leftOut.find((l) => l.name === 'nvme')?.reason).to.match(/refuses it with its defaults: .*serial/);
    expect(c.leftOut.find((l) => l.name === 'ich9-ahci')?.reason).to.equal('MSI only, no MSI-X');
    expect(c.leftOut.find((l) => l.name === 'e1000')?.reason).to.equal('neither MSI-X nor MSI');
  });

  const NOT_ON_MEGASAS: Record<string, RegExp> = {
    'sizing-properties-at-edges': /megasas has no property that sizes its MSI-X table/,
    'queue-properties-at-edges': /megasas has no property that sizes its queues/,
    'flr-with-vectors-live': /megasas does not advertise Function Level Reset/,
  };

  it('a device no plugin knows passes the contract and skips every case that fires, with the reason', async () => {
    const megasas = (await devicesOffered([build], () => undefined)).find((p) => p.name === 'megasas')!;
    expect(megasas.contractOnly).to.equal(true);
    const results = await runSuites({ suites: [emulatedSuite], builds: [build], devices: [megasas] });
    const contract = emulatedSuite.cases.filter((c) => c.contract).map((c) => c.slug);
    for (const r of results) {
      const slug = r.id.split('.').pop()!;
      // megasas has no property that sizes its table or its queues, and no FLR: those contract cases find so once the device is up.
      if (slug in NOT_ON_MEGASAS) expect(r.skipReason, slug).to.match(NOT_ON_MEGASAS[slug]!);
      else if (contract.includes(slug)) expect(r.outcome, `${slug}: ${r.error?.message ?? ''}`).to.equal('passed');
      else expect(r.skipReason, slug).to.match(/no plugin makes megasas fire/);
    }
    expect(contract).to.include.members(['layout', 'toggles', 'pba-read-only', 'qword-entry-and-reset', 'reset-state', 'enable-disable', 'sizing-properties-at-edges']);
  });

  it('a virtio device asked for 2049 vectors starts without MSI-X: the open known bug, counted from the table QEMU built', async () => {
    const rng = (await devicesOffered([build], () => undefined)).find((p) => p.name === 'virtio-rng-pci')!;
    const [r] = await runSuites({ suites: [emulatedSuite], builds: [build], devices: [rng], select: (c) => c.slug === 'sizing-properties-at-edges' });
    expect(r!.outcome, r!.error?.message).to.equal('xfail');
    expect(r!.knownBug?.id).to.equal('virtio-msix-past-maximum');
    expect(r!.evidence.filter((e) => !e.ok).map((e) => e.observed)).to.deep.equal([0]);
    expect(r!.evidence.filter((e) => e.ok && /, vectors=(0|1|2048)$/.test(e.label)).map((e) => e.observed)).to.deep.equal([0, 1, 2048]);
  });
});
