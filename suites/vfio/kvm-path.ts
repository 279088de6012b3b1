/**
 * The KVM path (C3, C5, C7 and C4 under KVM): with --accel kvm an unmasked vfio
 * vector is delivered by the host kernel through a KVM irqfd straight into
 * the local APIC, and QEMU puts its own eventfd in only where it must
 * emulate (a masked vector, the PBA, the enable-time vector). Guest side:
 * the vCPU counts each message its local APIC takes (the APIC mailbox),
 * so every count here is exact. QEMU side: its KVM routing traces. These
 * cases run only under KVM; under TCG QEMU delivers every message itself
 * and there is no route to observe.
 */
import { needsKvm, type VfioCase } from '../../harness/case/index.js';
import { hostCountedFire } from './vfio-steps.js';

const ROUTE_TRACES = ['kvm_irqchip_add_msi_route', 'kvm_irqchip_update_msi_route', 'kvm_irqchip_release_virq', 'vfio_msix_vector_*', 'vfio_intx_enable_kvm'];

export const kvmPathCases: VfioCase[] = [
  {
    slug: 'kvm-masked-vector-userspace-fd',
    title: "KVM: a masked vector's fire goes to QEMU's eventfd and pends (0 at the APIC), both after the mask and after another vector's first unmask re-created the vectors; each unmask delivers exactly 1",
    pins: ['C2', 'C3'],
    skipReason: ({ build }) => needsKvm(build),
    dut: { traces: ROUTE_TRACES },
    async body(ctx) {
      const { dut, ev, host } = ctx;
      const apic = dut.apicMailbox;
      const a = 0;
      const b = dut.msix.vectors - 1;
      const exactlyOnce = async (v: number, what: string) => {
        await dut.waitDelivered(v);
        await dut.settle();
        ev.guest.expect(`messages vector ${v} took at the APIC ${what}`, await apic.count(v), 1);
      };
      /** Vector a masked and fired: nothing at the APIC, pending in the PBA, the host line counting; unmask delivers once. */
      const maskedFirePends = async (when: string) => {
        await apic.arm(a);
        await hostCountedFire(ctx, a);
        ev.guest.expect(`messages vector ${a} took at the APIC while masked (${when})`, await apic.count(a), 0);
        ev.guest.expect(`guest PBA bit of vector ${a} while masked (${when})`, await dut.msix.pending(a), true);
        ev.host.expect(`host line vfio-msix[${a}] kept while masked (${when})`, (await host.state()).msixLines.includes(a), true);
        await dut.msix.unmask(a);
        await exactlyOnce(a, `after the unmask (${when})`);
        ev.guest.expect(`guest PBA bit of vector ${a} after the unmask (${when})`, await dut.msix.pending(a), false);
      };
      await dut.unmaskedVector(a);
      await dut.fire(a);
      await exactlyOnce(a, 'for one fire');
      // The mask itself: QEMU must take the vector off its irqfd and onto its own eventfd (C2 under KVM).
      await dut.msix.mask(a);
      await maskedFirePends('after the mask');
      // The first unmask of the last vector: without per-vector allocation (before 8.2, or a noresize host) QEMU
      // re-enables MSI-X with every vector, and a masked one must come back on QEMU's eventfd, not its irqfd (C3).
      await dut.msix.mask(a);
      await dut.route(b);
      await dut.msix.unmask(b);
      await maskedFirePends(`after vector ${b}'s first unmask`);
      await apic.arm(b);
      await dut.fire(b);
      await exactlyOnce(b, 'for one fire');
    },
  },
  {
    slug: 'kvm-enable-dummy-no-route',
    title: 'KVM: enabling MSI-X with every vector masked makes no KVM route (the enable-time vector stays on QEMU); the first unmask makes exactly one, for that vector',
    pins: ['C5', 'C1', 'C12'],
    skipReason: ({ build }) => needsKvm(build),
    dut: { traces: ROUTE_TRACES },
    async body(ctx) {
      const { dut, ev, host } = ctx;
      const v = dut.msix.vectors - 1;
      const routes = async () => (await dut.settledTraces('kvm_irqchip_add_msi_route')).map((e) => Number(/vector (\d+)/.exec(e.args)?.[1] ?? -1));
      // The plugin's quiesce may use MSI-X itself (nvme sets its queues up with vector 0 on): count from after it.
      await dut.resetDevice();
      const quiesced = (await routes()).length;
      await dut.msix.enable();
      ev.host.expect('physical MSI-X Enable', (await host.state()).msixEnabled, true);
      ev.qemu.expect('KVM MSI routes made by the enable (vectors)', (await routes()).slice(quiesced), []);
      await dut.route(v);
      await dut.msix.unmask(v);
      ev.qemu.expect(`KVM MSI routes made once vector ${v} is unmasked (vectors)`, (await routes()).slice(quiesced), [v]);
      await dut.fire(v);
      await dut.waitDelivered(v);
      await dut.settle();
      ev.guest.expect(`messages vector ${v} took at the APIC for one fire`, await dut.apicMailbox.count(v), 1);
    },
  },
  {
    slug: 'kvm-route-taken-at-unmask',
    title: "KVM: a route is made from the entry at unmask: a rewrite while unmasked leaves the route (the next fire lands on the old message) and the next mask/unmask moves it; every count exact",
    pins: ['C7', 'C15'],
    skipReason: ({ build }) => needsKvm(build),
    dut: { traces: ROUTE_TRACES },
    async body(ctx) {
      const { dut, ev } = ctx;
      const apic = dut.apicMailbox;
      const v = 0;
      const other = dut.msix.vectors; // a slot no vector uses
      const updates = async () => (await dut.settledTraces('kvm_irqchip_')).filter((e) => /^kvm_irqchip_(update|add)_msi_route$/.test(e.name)).length;
      await dut.unmaskedVector(v);
      const made = await updates();
      await dut.msix.program(v, apic.message(other));
      await apic.arm(other);
      await dut.fire(v);
      await dut.waitDelivered(v);
      await dut.settle();
      ev.qemu.expect('KVM routes made or updated by the rewrite while unmasked', (await updates()) - made, 0);
      ev.guest.expect('messages at the old and the new message after a rewrite while unmasked', [await apic.count(v), await apic.count(other)], [1, 0]);
      await dut.msix.mask(v);
      await dut.msix.unmask(v);
      await apic.arm(v);
      await dut.fire(v);
      await dut.waitDelivered(other);
      await dut.settle();
      ev.qemu.expect('the unmask made or updated the route', (await updates()) - made > 0, true);
      ev.guest.expect('messages at the old and the new message after mask and unmask', [await apic.count(v), await apic.count(other)], [0, 1]);
    },
  },
  {
    slug: 'kvm-intx-back-through-irqfd',
    title: 'KVM: after MSI-X disable INTx comes back on the KVM irqfd with its resampler, and the MSI-X routes go',
    pins: ['C4'],
    skipReason: ({ build, host }) => needsKvm(build) ?? (host && !host.intx ? 'the function has no INTx pin (an SR-IOV VF)' : undefined),
    dut: { traces: ROUTE_TRACES },
    async body(ctx) {
      const { dut, ev, host } = ctx;
      await dut.unmaskedVector(0);
      await dut.fireAndWait(0);
      const intxOnKvm = (await dut.settledTraces('vfio_intx_enable_kvm')).length;
      const released = (await dut.settledTraces('kvm_irqchip_release_virq')).length;
      await dut.msix.disable();
      ev.host.expect('host after disable', await host.state(), host.offState);
      ev.qemu.expect('INTx enabled on KVM (irqfd and resampler) after the disable', (await dut.settledTraces('vfio_intx_enable_kvm')).length - intxOnKvm, 1);
      ev.qemu.expect('KVM MSI routes released by the disable', (await dut.settledTraces('kvm_irqchip_release_virq')).length - released > 0, true);
    },
  },
];
