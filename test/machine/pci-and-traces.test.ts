/** The PCI layer and trace collection against a real QEMU ($QEMU_BINARY or PATH). */
import { expect } from 'chai';
import { e1000e } from '../../harness/devices/e1000e.js';
import { CapId } from '../../harness/pci/capabilities.js';
import { sizeBars } from '../../harness/pci/bars.js';
import { defaultSpecs, resolveBuild } from '../../harness/builds/build-spec.js';
import type { QemuBuild } from '../../harness/builds/qemu-build.js';
import { Dut } from '../../harness/case/dut.js';

describe('PCI layer and traces (real QEMU)', function () {
  this.timeout(30_000);
  let build: QemuBuild;
  before(async () => {
    build = await resolveBuild(defaultSpecs()[0]!, () => undefined);
  });

  it('sizes memory and I/O BARs, walks capabilities and, through ECAM, extended capabilities', async () => {
    const dut = await Dut.start(build, e1000e);
    try {
      expect(await dut.fn.ids()).to.deep.equal({ vendor: 0x8086, device: 0x10d3 });
      const bars = await sizeBars(dut.fn.cfg, dut.fn.bdf);
      expect(bars.map((b) => [b.index, b.kind, b.size])).to.deep.include.members([
        [0, 'mem32', 0x20000],
        [2, 'io', 0x20],
        [3, 'mem32', 0x4000],
      ]);
      const caps = (await dut.fn.capabilities()).map((c) => c.id);
      expect(caps).to.include.members([CapId.PM, CapId.MSI, CapId.PCIE, CapId.MSIX]);
      const ext = await dut.fn.extendedCapabilities();
      expect(ext.length, 'extended capabilities read through ECAM').to.be.greaterThan(0);
      expect(ext[0]!.offset).to.equal(0x100);
      // An I/O BAR is reachable: e1000e's IOADDR window reads back what is written to it.
      const io = dut.fn.bar(2);
      await io.writel(0, 0x8);
      expect(await io.readl(0)).to.equal(0x8);
    } finally {
      await dut.shutdown();
    }
  });

  it("collects the trace events a case asks for from QEMU's stderr", async () => {
    const dut = await Dut.start(build, e1000e, { traces: ['msix_write_config'] });
    try {
      await dut.msix.enable();
      await dut.settle();
      const events = dut.traces('msix_write_config');
      expect(events.length).to.be.greaterThan(0);
      expect(events.at(-1)!.args).to.match(/enabled 1/);
    } finally {
      await dut.shutdown();
    }
  });
});
