/**
 * The host view on a real host, as root, with a device whose driver holds
 * MSI-X vectors: the box's e1000e on its own Linux driver. This runs
 * everywhere the box runs (CI included), unlike a check of the machine's own
 * devices, which needs root and a device with vectors allocated.
 */
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect } from 'chai';
import { BOX_DEVICE_BDF, runInBox } from '../../harness/box/box.js';
import { boxHardwareNamed } from '../../harness/runner/box-device-under-test.js';

const DIST = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const MARK = '@@host-view';

/** Runs inside the box: the snapshot of every device with MSI vectors, and what it agrees with. */
const SCRIPT = `
const { hostSnapshot } = await import(${JSON.stringify(path.join(DIST, 'harness/host/host-snapshot.js'))});
const { physicalCapabilities, readConfig } = await import(${JSON.stringify(path.join(DIST, 'harness/host/pci-sysfs.js'))});
const fs = await import('node:fs');
const devs = fs.readdirSync('/sys/bus/pci/devices').filter((d) => fs.existsSync('/sys/bus/pci/devices/' + d + '/msi_irqs'));
const out = [];
for (const bdf of devs) {
  const s = await hostSnapshot(bdf);
  const caps = await physicalCapabilities(await readConfig(bdf));
  out.push({ bdf, uid: process.getuid(), msixEnabled: s.msix?.enabled ?? false, msixIrqs: s.msiIrqs.filter((i) => i.mode === 'msix').length, irqsInProc: s.msiIrqs.every((i) => s.lines.some((l) => l.irq === i.irq)), tableSize: caps.msix?.tableSize ?? 0, lines: s.lines.length });
}
console.log(${JSON.stringify(MARK)} + ' ' + JSON.stringify(out));
`;

describe('host view on a real host (box, e1000e on its driver)', function () {
  this.timeout(600_000);

  it('agrees with itself: MSI-X Enable set exactly when MSI-X IRQs are allocated, every IRQ in /proc/interrupts, no more than the table holds', async () => {
    const lines: string[] = [];
    // The interface up first: the driver requests its IRQs (and they appear in /proc/interrupts) only when it opens.
    const up = `for n in /sys/bus/pci/devices/${BOX_DEVICE_BDF}/net/*; do ip link set "$(basename "$n")" up; done; exec "$0" "$@"`;
    const r = await runInBox({ kernel: '6.12', device: boxHardwareNamed('e1000e'), hostDriver: true, command: ['sh', '-c', up, process.execPath, '--input-type=module', '-e', SCRIPT], timeoutMs: 300_000, onOutput: (l) => lines.push(l) });
    expect(r.exitCode, lines.join('\n')).to.equal(0);
    const line = lines.find((l) => l.startsWith(MARK));
    expect(line, lines.join('\n')).to.be.a('string');
    const devs = JSON.parse(line!.slice(MARK.length)) as { bdf: string; uid: number; msixEnabled: boolean; msixIrqs: number; irqsInProc: boolean; tableSize: number; lines: number }[];
    const e1000e = devs.find((d) => d.bdf === BOX_DEVICE_BDF);
    // The e1000e driver takes MSI-X vectors: the check below has something to check.
    expect(e1000e, JSON.stringify(devs)).to.include({ uid: 0, msixEnabled: true });
    expect(e1000e!.msixIrqs).to.be.at.least(1);
    for (const d of devs) {
      expect(d.msixEnabled, `${d.bdf} MSI-X Enable`).to.equal(d.msixIrqs > 0);
      expect(d.irqsInProc, `${d.bdf}: every MSI IRQ in /proc/interrupts`).to.equal(true);
      expect(d.tableSize, `${d.bdf}: table size`).to.be.at.least(d.msixIrqs);
    }
  });
});
