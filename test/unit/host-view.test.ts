import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect } from 'chai';
import { hostSnapshot, vfioLines } from '../../harness/host/host-snapshot.js';
import { readConfig } from '../../harness/host/pci-sysfs.js';
import { msiVector, parseInterruptLine, parseProcInterrupts } from '../../harness/host/proc-interrupts.js';
import { parseVfioAction } from '../../harness/host/vfio-action.js';
import { EnvironmentError } from '../../harness/errors.js';

const fixtures = path.join(path.dirname(fileURLToPath(import.meta.url)), '../../../fixtures');
const read = (p: string) => fs.readFileSync(path.join(fixtures, p), 'utf8');

describe('host view: /proc/interrupts', () => {
  it('parses a recorded 6.18 CI machine (per-device MSI-X domain, no IR)', () => {
    const rows = parseProcInterrupts(read('proc-interrupts/ci-vm-6.18-two-cpus.txt'));
    const numeric = rows.filter((r) => typeof r.irq === 'number');
    expect(numeric.length).to.be.greaterThan(5);
    expect(numeric.every((r) => r.counts.length === 2)).to.equal(true);
    const cfg = numeric.find((r) => r.actions[0] === 'virtio0-config')!;
    expect(cfg).to.include({ chip: 'PCI-MSIX-0000:00:01.0', chipBdf: '0000:00:01.0', hwirq: 0, trigger: 'edge' });
    expect(msiVector(cfg)).to.equal(0);
    const ioapic = numeric.find((r) => r.chip === 'IO-APIC')!;
    expect(msiVector(ioapic)).to.equal(undefined);
    const loc = rows.find((r) => r.irq === 'LOC')!;
    expect(loc.counts).to.have.length(2);
    expect(loc.actions).to.deep.equal(['Local timer interrupts']);
    expect(rows.find((r) => r.irq === 'ERR')!.counts).to.have.length(1);
  });

  it("parses the nested 6.12 host's vfio lines (interrupt remapping, IR- chips)", () => {
    const lines = read('proc-interrupts/nested-6.12-spike.txt')
      .split('\n')
      .map((l) => parseInterruptLine(l))
      .filter((l) => l !== undefined);
    const msix = lines.filter((l) => l.vfio?.kind === 'msix');
    expect(msix).to.have.length(2);
    expect(msix[0]).to.deep.include({ irq: 27, chip: 'IR-PCI-MSIX-0000:00:03.0', hwirq: 0, vfio: { kind: 'msix', vector: 0, bdf: '0000:00:03.0' } });
    expect(msix.map((l) => l.total)).to.have.members([0, 1]);
    const intx = lines.find((l) => l.vfio?.kind === 'intx')!;
    expect(intx).to.deep.include({ irq: 23, chip: 'IR-IO-APIC', hwirq: 23, trigger: 'fasteoi', vfio: { kind: 'intx', bdf: '0000:00:03.0' } });
    expect(lines.find((l) => l.chip === 'DMAR-MSI')!.actions).to.deep.equal(['dmar0']);
  });

  it('decodes the global IR-PCI-MSI domain of 6.1 (hwirq = devid << 11 | vector), recorded in the box', () => {
    // Kernel 6.1 in the box: e1000e's own driver with eth0 up, then vfio with guest vectors 0 and 2 unmasked and 2 fired 3 times.
    const host = parseProcInterrupts(read('proc-interrupts/nested-6.1-e1000e-driver.txt')).filter((l) => l.chip === 'IR-PCI-MSI' && l.hwirq! >> 11 === 24);
    expect(host.map((l) => [l.actions![0], msiVector(l)])).to.deep.equal([['eth0-rx-0', 0], ['eth0-tx-0', 1], ['eth0', 2]]);
    const vfio = parseProcInterrupts(read('proc-interrupts/nested-6.1-vfio-msix-0-2.txt')).filter((l) => l.vfio?.bdf === '0000:00:03.0');
    expect(vfio.map((l) => [l.vfio!.kind, l.vfio!.vector, msiVector(l), l.hwirq! >> 11, l.total])).to.deep.equal([
      ['msix', 0, 0, 24, 0],
      ['msix', 2, 2, 24, 3],
    ]);
  });

  it('decodes "N Edge" chips (arm64 ITS)', () => {
    const arm = parseInterruptLine(' 45:  0  0  ITS-PCI-MSIX-0000:01:00.0   0 Edge      vfio-msix[0](0000:01:00.0)')!;
    expect(arm).to.deep.include({ chip: 'ITS-PCI-MSIX-0000:01:00.0', chipBdf: '0000:01:00.0', hwirq: 0, trigger: 'edge' });
  });

  it("names vfio's handlers and nothing else", () => {
    expect(parseVfioAction('vfio-msi[1](0000:00:03.0)')).to.deep.equal({ kind: 'msi', vector: 1, bdf: '0000:00:03.0' });
    for (const bad of ['vfio-intx[0](0000:00:03.0)', 'vfio-msix(0000:00:03.0)', 'virtio0-config', 'vfio-msix[0](00:03.0)']) expect(parseVfioAction(bad), bad).to.equal(undefined);
  });
});

describe('host view: sysfs', () => {
  const roots = { sys: path.join(fixtures, 'sysfs/ci-vm-6.18/sys'), proc: path.join(fixtures, 'sysfs/ci-vm-6.18/proc') };

  it('snapshots a recorded device: physical MSI-X state, its IRQs, its lines', async () => {
    const s = await hostSnapshot('0000:00:01.0', roots);
    expect(s.msix).to.include({ enabled: true, functionMasked: false });
    expect(s.msiIrqs.map((i) => i.mode)).to.deep.equal(['msix', 'msix', 'msix', 'msix', 'msix']);
    expect(s.msiIrqs[0]).to.deep.include({ irq: 28, chip: 'PCI-MSIX-0000:00:01.0', hwirq: 0, actions: ['virtio0-config'] });
    expect(s.lines.map((l) => l.irq)).to.deep.equal(s.msiIrqs.map((i) => i.irq));
    expect(vfioLines(s, 'msix')).to.deep.equal([]);
  });

  it('a BDF that does not exist is an EnvironmentError', async () => {
    const err = await readConfig('0000:7f:1f.7').catch((e: unknown) => e);
    expect(err).to.be.instanceOf(EnvironmentError);
    expect((err as Error).message).to.contain('lspci');
  });
});
