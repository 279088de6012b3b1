/**
 * MSI-X on a passed-through device (vfio-pci): what the guest programs
 * against what the host kernel did to the physical device. Runs the same on
 * bare metal (--host-device BDF) and in the nested host (the box).
 */
import { MSI_SLOT, SYMPTOMS, type SuiteSpec, type VfioCase, type VfioCaseContext, type Dut } from '../../harness/case/index.js';

const lastPbaTrace = (dut: Dut) => dut.traces('vfio_msix_pba_').at(-1)?.name;

/** Fire v and wait for the host line to count it (a fire the guest holds back still reaches the host). Returns the count before. */
async function hostCountedFire({ dut, host }: VfioCaseContext, v: number): Promise<number | undefined> {
  const before = await host.count(v);
  await dut.fire(v);
  await host.waitCount(v, (before ?? 0) + 1);
  await dut.settle();
  return before;
}

/**
 * Vector v in use, then masked and fired: waits for the host to count it and
 * expects no guest delivery. Returns the host count before the fire.
 */
async function maskedFire(ctx: VfioCaseContext, v: number): Promise<number | undefined> {
  const { dut, ev } = ctx;
  await dut.liveVector(v);
  await dut.msix.mask(v);
  await dut.mailbox.arm(v);
  const before = await hostCountedFire(ctx, v);
  ev.guest.expect('guest delivery while masked', await dut.mailbox.delivered(v), false);
  return before;
}

/** Unmask a pending vector v: one delivery, no second, and its PBA bit clear. */
async function unmaskDeliversOnce({ dut, ev }: VfioCaseContext, v: number): Promise<void> {
  await dut.msix.unmask(v);
  await dut.waitDelivered(v);
  await dut.mailbox.arm(v);
  await dut.settle();
  ev.guest.expect('second delivery after unmask', await dut.mailbox.delivered(v), false);
  ev.guest.expect('guest PBA bit after unmask', await dut.msix.pending(v), false);
}

const cases: VfioCase[] = [
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
    slug: 'delivery-counts',
    title: 'N fires of an unmasked vector: N guest deliveries and N more on the host line vfio-msix[v]',
    pins: ['C15'],
    async body(ctx) {
      const { dut, ev, host } = ctx;
      const v = dut.msix.vectors - 1;
      const fires = 3;
      await dut.unmaskedVector(v);
      const before = await host.count(v);
      ev.host.expect(`host line vfio-msix[${v}] exists after unmask`, before !== undefined, true);
      let delivered = 0;
      for (let i = 0; i < fires; i++) {
        await dut.fireAndWait(v);
        delivered++;
      }
      await dut.mailbox.arm(v);
      await dut.settle();
      ev.guest.expect('guest deliveries', delivered + ((await dut.mailbox.delivered(v)) ? 1 : 0), fires);
      ev.host.expect(`host count increase on vfio-msix[${v}]`, ((await host.count(v)) ?? 0) - (before ?? 0), fires);
    },
  },
  {
    slug: 'masked-fire-pends',
    title: 'a guest-masked vector keeps its host vector: the fire pends in the guest PBA, the host count rises, unmask delivers once',
    pins: ['C2', 'C6'],
    dut: { traces: ['vfio_msix_pba_*'] },
    async body(ctx) {
      const { dut, ev, host } = ctx;
      const v = 0;
      const before = await maskedFire(ctx, v);
      ev.guest.expect('guest PBA bit while masked', await dut.msix.pending(v), true);
      ev.host.expect('host line kept while masked', (await host.state()).msixLines.includes(v), true);
      ev.host.expect('host count increase while masked', ((await host.count(v)) ?? 0) - (before ?? 0), 1);
      // QEMU traces pba_disable on every vector use with nothing pending, so the last PBA event is what tells.
      ev.qemu.expect('QEMU emulates the PBA while the vector pends (last PBA trace)', lastPbaTrace(dut), 'vfio_msix_pba_enable');
      await unmaskDeliversOnce(ctx, v);
      ev.qemu.expect('QEMU left the emulated PBA after the unmask (last PBA trace)', lastPbaTrace(dut), 'vfio_msix_pba_disable');
    },
  },
  {
    slug: 'masked-fire-second-pba-dword',
    title: 'a vector past 31 (the second PBA dword): a masked fire pends there and the host line for that vector counts it; unmask delivers once',
    pins: ['C2', 'C6'],
    skipReason: ({ device }) => (device.msixVectors <= 32 ? `the ${device.name} device has ${device.msixVectors} vectors, all in the first PBA dword` : undefined),
    async body(ctx) {
      const { dut, ev, host } = ctx;
      const v = dut.msix.vectors - 1;
      const before = await maskedFire(ctx, v);
      const dword = v >> 5;
      ev.guest.expect(`guest PBA dword ${dword} while masked (pending vectors)`, (await dut.msix.pendingBits()).slice(dword * 32, dword * 32 + 32), Array.from({ length: Math.min(32, dut.msix.vectors - dword * 32) }, (_, i) => dword * 32 + i === v));
      ev.host.expect(`host count increase on vfio-msix[${v}] while masked`, ((await host.count(v)) ?? 0) - (before ?? 0), 1);
      await unmaskDeliversOnce(ctx, v);
    },
  },
  {
    slug: 'function-mask-pends',
    title: 'Function Mask holds a fire pending and clearing it delivers once; the host vector stays',
    pins: ['C2', 'C15'],
    async body(ctx) {
      const { dut, ev, host } = ctx;
      const v = 0;
      await dut.unmaskedVector(v);
      await dut.msix.setFunctionMask(true);
      await hostCountedFire(ctx, v);
      ev.guest.expect('guest delivery under Function Mask', await dut.mailbox.delivered(v), false);
      ev.guest.expect('guest PBA bit under Function Mask', await dut.msix.pending(v), true);
      ev.host.expect('host MSI-X stays enabled under Function Mask', (await host.state()).msixEnabled, true);
      await dut.msix.setFunctionMask(false);
      await dut.waitDelivered(v);
      ev.guest.expect('guest PBA bit after clearing Function Mask', await dut.msix.pending(v), false);
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
  {
    slug: 'counts-across-later-unmask',
    title: "a later first unmask of another vector leaves a live vector's host IRQ and count alone on dyn hosts from 8.2, and re-creates them (count back to 0) otherwise",
    pins: ['C12', 'C13'],
    async body(ctx) {
      const { dut, ev, host, build } = ctx;
      const a = 0;
      const b = dut.msix.vectors - 1;
      const fires = 3;
      await dut.unmaskedVector(a);
      const start = (await host.count(a)) ?? 0;
      for (let i = 0; i < fires; i++) {
        await dut.fireAndWait(a);
      }
      await host.waitCount(a, start + fires);
      const before = (await host.count(a)) ?? 0;
      await dut.route(b);
      await dut.msix.unmask(b);
      ev.host.expectPerTrait(`host count of vfio-msix[${a}] after the first unmask of ${b}`, (await host.count(a)) ?? 0, build.traits.perVectorAllocation, (perVector) => (perVector && !host.noresize ? before : 0));
      await dut.fireAndWait(a);
    },
  },
  {
    slug: 'no-lost-interrupt-while-adding',
    title: 'a vector fired just before another vector is first unmasked is still delivered, once, every time (dyn and noresize hosts alike)',
    pins: ['C12', 'C13', 'C15'],
    async body(ctx) {
      const { dut, ev } = ctx;
      const a = 0;
      await dut.unmaskedVector(a);
      const added: number[] = [];
      const counts: number[] = [];
      for (let b = 1; b < Math.min(dut.msix.vectors, 9); b++) {
        await dut.route(b);
        await dut.mailbox.arm(a);
        // No wait between the fire and the unmask: the host may be re-creating every vector while A's interrupt is in flight.
        await dut.fire(a);
        await dut.msix.unmask(b);
        await dut.waitDelivered(a).catch(() => undefined);
        let n = (await dut.mailbox.delivered(a)) ? 1 : 0;
        if (n) {
          await dut.mailbox.arm(a);
          await dut.settle();
          if (await dut.mailbox.delivered(a)) n++;
        }
        added.push(b);
        counts.push(n);
      }
      ev.guest.expect(`deliveries of vector ${a} per fire, each fire followed by the first unmask of vector ${added.join(', ')}`, counts, added.map(() => 1));
      ev.guest.expect(`PBA after the last delivery`, await dut.msix.pending(a), false);
    },
  },
  {
    slug: 'address-data-update',
    title: 'address and data rewritten while masked take effect on unmask, and rewritten while unmasked take effect on the next fire; the host vector stays',
    pins: ['C7', 'C15'],
    async body(ctx) {
      const { dut, ev, host } = ctx;
      const v = 0;
      const [first, second] = [dut.msix.vectors, dut.msix.vectors + 1]; // mailbox slots no vector uses
      await dut.liveVector(v);
      const line = async () => (await host.state()).msixLines.includes(v);
      await dut.msix.mask(v);
      await dut.msix.program(v, dut.mailbox.message(first));
      await dut.mailbox.arm(first);
      await dut.mailbox.arm(v);
      await dut.msix.unmask(v);
      await dut.fire(v);
      await dut.waitDelivered(first);
      ev.guest.expect('rewritten while masked: the old slot', await dut.mailbox.read(v), 0);
      ev.host.expect('host line kept across the masked rewrite', await line(), true);
      await dut.msix.program(v, dut.mailbox.message(second));
      await dut.mailbox.arm(first);
      await dut.mailbox.arm(second);
      await dut.fire(v);
      await dut.waitDelivered(second);
      ev.guest.expect('rewritten while unmasked: the previous slot', await dut.mailbox.read(first), 0);
      ev.guest.expect('entry reads back the last rewrite', await dut.msix.entry(v).then((e) => [e.address, e.data]), [BigInt(dut.mailbox.message(second).address), dut.mailbox.message(second).data]);
      ev.host.expect('host line kept across the unmasked rewrite', await line(), true);
    },
  },
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
    slug: 'relocation-to-free-bar',
    title: 'x-msix-relocation to a free BAR moves table and PBA in the guest view only, and delivery still works',
    pins: ['C8'],
    skipReason: ({ device }) => (device.freeBar === undefined ? `the ${device.name} plugin names no free BAR to relocate to` : undefined),
    dut: (device) => ({ vfioProps: `x-msix-relocation=bar${device.freeBar}` }),
    async body(ctx) {
      const { dut, ev, host, device } = ctx;
      const cap = dut.msix.cap;
      ev.guest.expect('guest table BIR/offset', [cap.tableBir, cap.tableOffset], [device.freeBar!, 0]);
      ev.guest.expect('guest PBA BIR', cap.pbaBir, device.freeBar!);
      ev.guest.expect('guest PBA after the table', cap.pbaOffset >= dut.msix.vectors * 16, true);
      const phys = (await host.snapshot()).msix!;
      ev.host.expect('physical table BIR unchanged', phys.tableBir, device.msixTableBar);
      await dut.liveVector(0);
      ev.host.expect('physical MSI-X Enable', (await host.state()).msixEnabled, true);
    },
  },
  {
    slug: 'table-isolation',
    title: "the guest's table writes never reach the physical table: the guest reads back its own entries, the device holds the host kernel's",
    pins: ['C7'],
    async body(ctx) {
      const { dut, ev, host } = ctx;
      const used = 0;
      const idle = dut.msix.vectors - 1;
      await dut.enableAllMasked();
      await dut.route(used);
      await dut.route(idle);
      await dut.msix.unmask(used);
      await dut.fire(used);
      await dut.waitDelivered(used);
      const guest = await dut.msix.entries();
      for (const v of [used, idle]) {
        const want = dut.mailbox.message(v);
        ev.guest.expect(`guest reads back its entry ${v} (address, data)`, [guest[v]!.address, guest[v]!.data], [BigInt(want.address), want.data]);
      }
      const phys = await host.physicalTable();
      const u = phys[used]!;
      ev.host.expect(`physical entry ${used}: not the guest's address`, u.address === guest[used]!.address, false);
      ev.host.expect(`physical entry ${used}: an x86 interrupt address (0xfeexxxxx) the host kernel wrote`, u.address >> 20n, 0xfeen);
      ev.host.expect(`physical entry ${used}: unmasked by the host`, u.masked, false);
      const i = phys[idle]!;
      ev.host.expect(`physical entry ${idle} (guest-programmed, never unmasked): not the guest's address`, i.address === guest[idle]!.address, false);
      ev.host.expect(`physical entry ${idle}: masked`, i.masked, true);
      ev.host.expect('no physical entry holds a guest address', phys.some((e) => guest.some((g) => g.address !== 0n && g.address === e.address)), false);
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

export const vfioSuite: SuiteSpec = { name: 'vfio', kind: 'vfio', module: import.meta.url, cases };
