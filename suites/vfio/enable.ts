/** Enabling MSI-X on a passed-through device: the physical device follows the guest (C1, C12). */
import { type VfioCase } from '../../harness/case/index.js';

export const enableCases: VfioCase[] = [
  {
    slug: 'seed-enable-all-masked',
    title: 'guest enables MSI-X with every vector masked: the physical device is in MSI-X mode too',
    pins: ['C1', 'C12'],
    async body(ctx) {
      const { dut, ev, build, host } = ctx;
      ev.host.expect('host before enable', await host.state(), host.offState);
      await dut.enableAllMasked();
      ev.guest.expect('guest Enable', (await dut.msix.control()).enabled, true);
      ev.guest.expect('guest entries all masked', (await dut.msix.entries()).every((e) => e.masked), true);
      const s = await host.state();
      ev.host.expect('physical MSI-X Enable', s.msixEnabled, true);
      ev.host.expect('host vectors allocated', s.allocated, 1);
      ev.host.expectPerTrait('vfio-msix lines (the dummy vector without 5ebffa4e87, none with it)', s.msixLines, build.traits.invalidFdEnable, (invalidFd) => (invalidFd ? [] : [0]));
    },
  },
  {
    slug: 'first-unmask-high-vector',
    title: 'first unmask of the highest vector: which host vectors exist (per-vector on dyn hosts from 8.2, all of them otherwise)',
    pins: ['C12', 'C13'],
    async body(ctx) {
      const { dut, ev, build, host } = ctx;
      const v = dut.msix.vectors - 1;
      await dut.unmaskedVector(v);
      const s = await host.state();
      ev.host.expect('physical MSI-X Enable', s.msixEnabled, true);
      // Per-vector allocation on a dyn host: the enable-time vector 0 plus v; otherwise QEMU re-enables with vectors 0..v.
      ev.host.expectPerTrait('host vectors allocated', s.allocated, build.traits.perVectorAllocation, (perVector) => (perVector && !host.noresize ? 2 : v + 1));
      ev.host.expectPerTrait('vfio-msix lines', s.msixLines, build.traits.invalidFdEnable, (invalidFd) => (invalidFd ? [v] : [0, v]));
      await dut.fireAndWait(v);
    },
  },
  {
    slug: 'enable-with-function-mask',
    title: 'Enable together with Function Mask: the host is in MSI-X mode; an entry unmasked under Function Mask gets no host vector until Function Mask clears, then delivers',
    pins: ['C1', 'C12', 'C15'],
    async body(ctx) {
      const { dut, ev, host, build } = ctx;
      const v = dut.msix.vectors - 1;
      await dut.resetDevice();
      await dut.msix.enableWithFunctionMask();
      ev.guest.expect('guest Enable and Function Mask', await dut.msix.control().then((c) => [c.enabled, c.functionMasked]), [true, true]);
      let s = await host.state();
      ev.host.expect('physical MSI-X Enable and vectors allocated under Function Mask', [s.msixEnabled, s.allocated], [true, 1]);
      await dut.route(v);
      await dut.msix.unmask(v);
      s = await host.state();
      ev.host.expect(`entry ${v} unmasked under Function Mask: vectors allocated, vfio-msix[${v}] line`, [s.allocated, s.msixLines.includes(v)], [1, false]);
      await dut.msix.setFunctionMask(false);
      s = await host.state();
      ev.host.expect(`vfio-msix[${v}] line once Function Mask clears`, s.msixLines.includes(v), true);
      ev.host.expectPerTrait('host vectors allocated once Function Mask clears', s.allocated, build.traits.perVectorAllocation, (perVector) => (perVector && !host.noresize ? 2 : v + 1));
      const before = (await host.count(v)) ?? 0;
      await dut.fire(v);
      await dut.waitDelivered(v);
      await host.waitCount(v, before + 1);
    },
  },
];
