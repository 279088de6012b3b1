/** Disable, mode switches, resets and a killed QEMU: the host gives every vector back (C4, C14, C15). */
import { MSI_SLOT, SYMPTOMS, type VfioCase } from '../../harness/case/index.js';

export const disableAndResetCases: VfioCase[] = [
  {
    slug: 'disable-releases-all',
    title: 'guest disable with vectors in use releases every host vector and gives INTx back; re-enable works again',
    pins: ['C4'],
    async body(ctx) {
      const { dut, ev, host } = ctx;
      await dut.enableAllMasked();
      for (const v of [0, 1]) {
        await dut.route(v);
        await dut.msix.unmask(v);
      }
      await dut.fire(1);
      await dut.waitDelivered(1);
      await dut.msix.disable();
      ev.host.expect('host after disable', await host.state(), host.offState);
      await dut.msix.enable();
      const s = await host.state();
      ev.host.expect('physical MSI-X Enable after re-enable', s.msixEnabled, true);
      await dut.fireAndWait(1);
    },
  },
  {
    slug: 'disable-without-vectors',
    title: 'disable with no vector ever unmasked: MSI-X off and INTx back (known bug C14 in 8.2.0-8.2.1)',
    pins: ['C14'],
    async body(ctx) {
      const { dut, ev, host } = ctx;
      await dut.enableAllMasked();
      await dut.msix.disable();
      const s = await host.state();
      ev.host.expect(SYMPTOMS.physicalEnableAfterDisable, s.msixEnabled, false);
      // A function without INTx (an SR-IOV VF) has nothing to go back to.
      ev.host.expect(host.intx ? 'vfio-intx line back' : 'no vfio-intx line (the function has no INTx pin)', s.intx, host.intx);
      ev.qemu.expect('QEMU reported an INTx SET_IRQS failure', /INTX-0/.test(dut.stderr()), false);
    },
  },
  {
    slug: 'msi-msix-switching',
    title: 'MSI -> MSI-X -> MSI: each mode has its own host vectors and none is left stale',
    pins: ['C4', 'C15'],
    skipReason: ({ device }) => (device.interruptModes.includes('msi') ? undefined : `the ${device.name} plugin fires MSI-X only`),
    async body(ctx) {
      const { dut, ev, host } = ctx;
      await dut.resetDevice();
      await dut.enableMsi();
      await dut.fire(0);
      await dut.waitDelivered(MSI_SLOT);
      ev.host.expect('host in MSI mode', await host.state(), { msixEnabled: false, allocated: 1, msixLines: [], msiLines: [0], intx: false });
      await dut.resetDevice();
      await dut.msi!.disable();
      await dut.msix.enable();
      await dut.route(0);
      await dut.msix.unmask(0);
      await dut.fire(0);
      await dut.waitDelivered(0);
      const s = await host.state();
      ev.host.expect('host in MSI-X mode: MSI lines', s.msiLines, []);
      ev.host.expect('host in MSI-X mode: MSI-X Enable and vector 0 line', [s.msixEnabled, s.msixLines.includes(0)], [true, true]);
      await dut.resetDevice();
      await dut.msix.disable();
      await dut.enableMsi();
      await dut.fire(0);
      await dut.waitDelivered(MSI_SLOT);
      ev.host.expect('host back in MSI mode', await host.state(), { msixEnabled: false, allocated: 1, msixLines: [], msiLines: [0], intx: false });
      await dut.msi!.disable();
      ev.host.expect('host after MSI disable', await host.state(), host.offState);
    },
  },
  {
    slug: 'system-reset-live-vectors',
    title: 'QMP system_reset with live vectors: guest Enable and Function Mask clear, every entry masked, the host releases every vector, and the next enable works',
    pins: ['C4', 'C15'],
    async body(ctx) {
      const { dut, ev, host } = ctx;
      await dut.liveVector(0);
      await dut.machineReset();
      const c = await dut.msix.control();
      ev.guest.expect('guest Enable after reset', c.enabled, false);
      ev.guest.expect('guest Function Mask after reset', c.functionMasked, false);
      ev.guest.expect('guest entries all masked after reset', (await dut.msix.entries()).every((e) => e.masked), true);
      ev.host.expect('host after reset', await host.state(), host.offState);
      // The next enable works: a vector routed, unmasked and fired is delivered, and the host has it again.
      await dut.liveVector(1);
      ev.host.expect('physical MSI-X Enable after re-enable', (await host.state()).msixEnabled, true);
    },
  },
  {
    slug: 'flr-live-vectors',
    title: 'guest-initiated Function Level Reset with live vectors: MSI-X off in the guest view and on the host, every entry masked, and the next enable works',
    pins: ['C4', 'C15'],
    skipReason: ({ device }) => (device.flr ? undefined : `the ${device.name} does not advertise Function Level Reset`),
    async body(ctx) {
      const { dut, ev, host } = ctx;
      ev.guest.expect('device advertises FLR', await dut.fn.flrCapable(), true);
      await dut.liveVector(0);
      await dut.fn.initiateFlr();
      const c = await dut.msix.control();
      ev.guest.expect(SYMPTOMS.guestEnableAfterFlr, c.enabled, false);
      ev.guest.expect('guest Function Mask after FLR', c.functionMasked, false);
      ev.guest.expect('guest entries all masked after FLR', (await dut.msix.entries()).every((e) => e.masked), true);
      ev.host.expect('host after FLR', await host.state(), host.offState);
      // An FLR clears the BARs and the command register, as a driver knows.
      await dut.fn.restoreBars();
      await dut.liveVector(1);
    },
  },
  {
    slug: 'qemu-killed-mid-case',
    title: 'QEMU killed with live vectors leaves the host device clean, and a new QEMU works with it',
    pins: ['C4'],
    async body(ctx) {
      const { dut, ev, host } = ctx;
      await dut.liveVector(0);
      await dut.kill();
      const s = await host.state();
      ev.host.expect('host after QEMU died: MSI-X Enable, vectors, vfio lines', [s.msixEnabled, s.allocated, s.msixLines, s.intx], [false, 0, [], false]);
      const again = await dut.restart();
      try {
        await again.enableAllMasked();
        ev.host.expect('next QEMU: physical MSI-X Enable', (await host.state()).msixEnabled, true);
        await again.route(0);
        await again.msix.unmask(0);
        await again.fire(0);
        await again.waitDelivered(0);
      } finally {
        await again.shutdown();
      }
    },
  },
];
