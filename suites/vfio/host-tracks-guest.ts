/**
 * MSI-X on a passed-through device (vfio-pci): what the guest programs
 * against what the host kernel did to the physical device. Runs the same on
 * bare metal (--host-device BDF) and in the nested host (the box).
 */
import { vfioLines, type HostSnapshot } from '../../harness/host/host-snapshot.js';
import { readPhysicalTable } from '../../harness/host/physical-msix-table.js';
import type { CaseContext, CaseSpec, HostSide, SuiteSpec } from '../../harness/runner/case.js';
import { Dut } from '../../harness/runner/dut.js';

/** The host facts cases compare, in one comparable shape. */
interface HostState {
  readonly msixEnabled: boolean;
  readonly allocated: number;
  readonly msixLines: readonly number[];
  readonly msiLines: readonly number[];
  readonly intx: boolean;
}

function stateOf(s: HostSnapshot): HostState {
  return {
    msixEnabled: s.msix?.enabled ?? false,
    allocated: s.msiIrqs.length,
    msixLines: vfioLines(s, 'msix').map((l) => l.vfio!.vector!),
    msiLines: vfioLines(s, 'msi').map((l) => l.vfio!.vector!),
    intx: vfioLines(s, 'intx').length > 0,
  };
}

const hostState = async (host: HostSide) => stateOf(await host.snapshot());

/** The host's count on line vfio-msix[v] (undefined when there is no such line). */
async function hostCount(host: HostSide, v: number): Promise<number | undefined> {
  return vfioLines(await host.snapshot(), 'msix').find((l) => l.vfio!.vector === v)?.total;
}

/** The host as it must be when MSI-X is off: no vectors, INTx handed back to the device. */
const INTX_STATE: HostState = { msixEnabled: false, allocated: 0, msixLines: [], msiLines: [], intx: true };

function need(ctx: CaseContext): HostSide {
  if (!ctx.host) throw new Error('this case needs a passed-through device');
  return ctx.host;
}

/** The e1000e's MSI-X table lives in BAR3 on the physical device. */
const PHYSICAL_TABLE_BIR = 3;

/** The host never saw an interrupt QEMU should have caused: QEMU misbehaved (a failure, not an error). */
function missingHostInterrupt(message: string): Error {
  const e = new Error(message);
  e.name = 'MissingHostInterruptError';
  return e;
}

/** Host counts move when the kernel handles the interrupt: wait for it, bounded. */
async function waitHostCount(host: HostSide, v: number, atLeast: number, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (((await hostCount(host, v)) ?? 0) < atLeast) {
    if (Date.now() > deadline) throw missingHostInterrupt(`host count of vfio-msix[${v}] did not reach ${atLeast} within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

const lastPbaTrace = (dut: Dut) => dut.machine.traceEvents().filter((e) => e.name.startsWith('vfio_msix_pba_')).at(-1)?.name;

async function enableAllMasked(dut: Dut): Promise<void> {
  await dut.resetDevice();
  await dut.msix.enable();
}

/** Enable with all masked, then route and unmask vector v: the host now has a vector for it. */
async function unmaskedVector(dut: Dut, v: number): Promise<void> {
  await enableAllMasked(dut);
  await dut.route(v);
  await dut.msix.unmask(v);
}

/** As unmaskedVector, and one fire of v delivered to the guest: a live vector. */
async function liveVector(dut: Dut, v: number): Promise<void> {
  await unmaskedVector(dut, v);
  await dut.fire(v);
  await dut.mailbox.waitDelivered(v, 5000);
}

const cases: CaseSpec[] = [
  {
    slug: 'seed-enable-all-masked',
    title: 'guest enables MSI-X with every vector masked: the physical device is in MSI-X mode too',
    pins: ['C1', 'C12'],
    async body(ctx) {
      const { dut, ev, build } = ctx;
      const host = need(ctx);
      ev.expect('host before enable', await hostState(host), INTX_STATE, 'host');
      await enableAllMasked(dut);
      ev.expect('guest Enable', (await dut.msix.control()).enabled, true);
      ev.expect('guest entries all masked', (await dut.msix.entries()).every((e) => e.masked), true);
      const s = await hostState(host);
      ev.expect('physical MSI-X Enable', s.msixEnabled, true, 'host');
      ev.expect('host vectors allocated', s.allocated, 1, 'host');
      ev.expectPerTrait('vfio-msix lines (the dummy vector without 5ebffa4e87, none with it)', s.msixLines, build.traits.invalidFdEnable, (invalidFd) => (invalidFd ? [] : [0]), 'host');
    },
  },
  {
    slug: 'delivery-counts',
    title: 'N fires of an unmasked vector: N guest deliveries and N more on the host line vfio-msix[v]',
    pins: ['C15'],
    async body(ctx) {
      const { dut, ev } = ctx;
      const host = need(ctx);
      const v = dut.msix.vectors - 1;
      const fires = 3;
      await unmaskedVector(dut, v);
      const before = await hostCount(host, v);
      ev.expect(`host line vfio-msix[${v}] exists after unmask`, before !== undefined, true, 'host');
      let delivered = 0;
      for (let i = 0; i < fires; i++) {
        await dut.mailbox.arm(v);
        await dut.fire(v);
        await dut.mailbox.waitDelivered(v, 5000);
        delivered++;
      }
      await dut.mailbox.arm(v);
      await dut.settle();
      ev.expect('guest deliveries', delivered + ((await dut.mailbox.delivered(v)) ? 1 : 0), fires);
      ev.expect(`host count increase on vfio-msix[${v}]`, ((await hostCount(host, v)) ?? 0) - (before ?? 0), fires, 'host');
    },
  },
  {
    slug: 'masked-fire-pends',
    title: 'a guest-masked vector keeps its host vector: the fire pends in the guest PBA, the host count rises, unmask delivers once',
    pins: ['C2', 'C6'],
    dut: { traces: ['vfio_msix_pba_*'] },
    async body(ctx) {
      const { dut, ev } = ctx;
      const host = need(ctx);
      const v = 0;
      await liveVector(dut, v);
      await dut.msix.mask(v);
      await dut.mailbox.arm(v);
      const before = await hostCount(host, v);
      await dut.fire(v);
      await waitHostCount(host, v, (before ?? 0) + 1);
      await dut.settle();
      ev.expect('guest delivery while masked', await dut.mailbox.delivered(v), false);
      ev.expect('guest PBA bit while masked', await dut.msix.pending(v), true);
      ev.expect('host line kept while masked', (await hostState(host)).msixLines.includes(v), true, 'host');
      ev.expect('host count increase while masked', ((await hostCount(host, v)) ?? 0) - (before ?? 0), 1, 'host');
      // QEMU traces pba_disable on every vector use with nothing pending, so the last PBA event is what tells.
      ev.expect('QEMU emulates the PBA while the vector pends (last PBA trace)', lastPbaTrace(dut), 'vfio_msix_pba_enable', 'qemu');
      await dut.msix.unmask(v);
      await dut.mailbox.waitDelivered(v, 5000);
      await dut.mailbox.arm(v);
      await dut.settle();
      ev.expect('second delivery after unmask', await dut.mailbox.delivered(v), false);
      ev.expect('guest PBA bit after unmask', await dut.msix.pending(v), false);
      ev.expect('QEMU left the emulated PBA after the unmask (last PBA trace)', lastPbaTrace(dut), 'vfio_msix_pba_disable', 'qemu');
    },
  },
  {
    slug: 'function-mask-pends',
    title: 'Function Mask holds a fire pending and clearing it delivers once; the host vector stays',
    pins: ['C2', 'C15'],
    async body(ctx) {
      const { dut, ev } = ctx;
      const host = need(ctx);
      const v = 0;
      await unmaskedVector(dut, v);
      await dut.msix.setFunctionMask(true);
      const before = await hostCount(host, v);
      await dut.fire(v);
      await waitHostCount(host, v, (before ?? 0) + 1);
      await dut.settle();
      ev.expect('guest delivery under Function Mask', await dut.mailbox.delivered(v), false);
      ev.expect('guest PBA bit under Function Mask', await dut.msix.pending(v), true);
      ev.expect('host MSI-X stays enabled under Function Mask', (await hostState(host)).msixEnabled, true, 'host');
      await dut.msix.setFunctionMask(false);
      await dut.mailbox.waitDelivered(v, 5000);
      ev.expect('guest PBA bit after clearing Function Mask', await dut.msix.pending(v), false);
    },
  },
  {
    slug: 'first-unmask-high-vector',
    title: 'first unmask of the highest vector: which host vectors exist (per-vector on dyn hosts from 8.2, all of them otherwise)',
    pins: ['C12', 'C13'],
    async body(ctx) {
      const { dut, ev, build } = ctx;
      const host = need(ctx);
      const v = dut.msix.vectors - 1;
      await unmaskedVector(dut, v);
      const s = await hostState(host);
      ev.expect('physical MSI-X Enable', s.msixEnabled, true, 'host');
      // Per-vector allocation on a dyn host: the enable-time vector 0 plus v; otherwise QEMU re-enables with vectors 0..v.
      ev.expectPerTrait('host vectors allocated', s.allocated, build.traits.perVectorAllocation, (perVector) => (perVector && !host.noresize ? 2 : v + 1), 'host');
      ev.expectPerTrait('vfio-msix lines', s.msixLines, build.traits.invalidFdEnable, (invalidFd) => (invalidFd ? [v] : [0, v]), 'host');
      await dut.mailbox.arm(v);
      await dut.fire(v);
      await dut.mailbox.waitDelivered(v, 5000);
    },
  },
  {
    slug: 'disable-releases-all',
    title: 'guest disable with vectors in use releases every host vector and gives INTx back; re-enable works again',
    pins: ['C4'],
    async body(ctx) {
      const { dut, ev } = ctx;
      const host = need(ctx);
      await enableAllMasked(dut);
      for (const v of [0, 1]) {
        await dut.route(v);
        await dut.msix.unmask(v);
      }
      await dut.fire(1);
      await dut.mailbox.waitDelivered(1, 5000);
      await dut.msix.disable();
      ev.expect('host after disable', await hostState(host), INTX_STATE, 'host');
      await dut.msix.enable();
      const s = await hostState(host);
      ev.expect('physical MSI-X Enable after re-enable', s.msixEnabled, true, 'host');
      await dut.mailbox.arm(1);
      await dut.fire(1);
      await dut.mailbox.waitDelivered(1, 5000);
    },
  },
  {
    slug: 'disable-without-vectors',
    title: 'disable with no vector ever unmasked: MSI-X off and INTx back (known bug C14 in 8.2.0-8.2.1)',
    pins: ['C14'],
    async body(ctx) {
      const { dut, ev } = ctx;
      const host = need(ctx);
      await enableAllMasked(dut);
      await dut.msix.disable();
      const s = await hostState(host);
      ev.expect('physical MSI-X Enable after disable', s.msixEnabled, false, 'host');
      ev.expect('vfio-intx line back', s.intx, true, 'host');
      ev.expect('QEMU reported an INTx SET_IRQS failure', /INTX-0/.test(dut.machine.stderr()), false, 'qemu');
    },
  },
  {
    slug: 'msi-msix-switching',
    title: 'MSI -> MSI-X -> MSI: each mode has its own host vectors and none is left stale',
    pins: ['C4', 'C15'],
    unsupported: ({ device }) => (device.fires.includes('msi') ? undefined : `the ${device.name} plugin fires MSI-X only`),
    async body(ctx) {
      const { dut, ev } = ctx;
      const host = need(ctx);
      const msi = dut.msi!;
      const msiSlot = 30;
      await dut.resetDevice();
      await msi.enable(dut.mailbox.message(msiSlot));
      await dut.mailbox.arm(msiSlot);
      await dut.fire(0);
      await dut.mailbox.waitDelivered(msiSlot, 5000);
      ev.expect('host in MSI mode', await hostState(host), { msixEnabled: false, allocated: 1, msixLines: [], msiLines: [0], intx: false }, 'host');
      await dut.resetDevice();
      await msi.disable();
      await dut.msix.enable();
      await dut.route(0);
      await dut.msix.unmask(0);
      await dut.fire(0);
      await dut.mailbox.waitDelivered(0, 5000);
      const s = await hostState(host);
      ev.expect('host in MSI-X mode: MSI lines', s.msiLines, [], 'host');
      ev.expect('host in MSI-X mode: MSI-X Enable and vector 0 line', [s.msixEnabled, s.msixLines.includes(0)], [true, true], 'host');
      await dut.resetDevice();
      await dut.msix.disable();
      await msi.enable(dut.mailbox.message(msiSlot));
      await dut.mailbox.arm(msiSlot);
      await dut.fire(0);
      await dut.mailbox.waitDelivered(msiSlot, 5000);
      ev.expect('host back in MSI mode', await hostState(host), { msixEnabled: false, allocated: 1, msixLines: [], msiLines: [0], intx: false }, 'host');
      await msi.disable();
      ev.expect('host after MSI disable', await hostState(host), INTX_STATE, 'host');
    },
  },
  {
    slug: 'system-reset-live-vectors',
    title: 'QMP system_reset with live vectors: guest Enable clears and the host releases every vector',
    pins: ['C4', 'C15'],
    async body(ctx) {
      const { dut, ev } = ctx;
      const host = need(ctx);
      await liveVector(dut, 0);
      await dut.machineReset();
      ev.expect('guest Enable after reset', (await dut.msix.control()).enabled, false);
      ev.expect('host after reset', await hostState(host), INTX_STATE, 'host');
    },
  },
  {
    slug: 'relocation-to-free-bar',
    title: 'x-msix-relocation=bar4 moves table and PBA in the guest view only, and delivery still works',
    pins: ['C8'],
    dut: { vfioProps: 'x-msix-relocation=bar4' },
    async body(ctx) {
      const { dut, ev } = ctx;
      const host = need(ctx);
      const cap = dut.msix.cap;
      ev.expect('guest table BIR/offset', [cap.tableBir, cap.tableOffset], [4, 0]);
      ev.expect('guest PBA BIR', cap.pbaBir, 4);
      ev.expect('guest PBA after the table', cap.pbaOffset >= dut.msix.vectors * 16, true);
      const phys = (await host.snapshot()).msix!;
      ev.expect('physical table BIR unchanged', phys.tableBir, PHYSICAL_TABLE_BIR, 'host');
      await liveVector(dut, 0);
      ev.expect('physical MSI-X Enable', (await hostState(host)).msixEnabled, true, 'host');
    },
  },
  {
    slug: 'table-isolation',
    title: "the guest's table writes never reach the physical table: the guest reads back its own entries, the device holds the host kernel's",
    pins: ['C7'],
    async body(ctx) {
      const { dut, ev } = ctx;
      const host = need(ctx);
      const used = 0;
      const idle = dut.msix.vectors - 1;
      await enableAllMasked(dut);
      await dut.route(used);
      await dut.route(idle);
      await dut.msix.unmask(used);
      await dut.fire(used);
      await dut.mailbox.waitDelivered(used, 5000);
      const guest = await dut.msix.entries();
      for (const v of [used, idle]) {
        const want = dut.mailbox.message(v);
        ev.expect(`guest reads back its entry ${v} (address, data)`, [guest[v]!.address, guest[v]!.data], [BigInt(want.address), want.data]);
      }
      const snap = await host.snapshot();
      const phys = await readPhysicalTable(host.bdf, snap.msix!);
      const u = phys[used]!;
      ev.expect(`physical entry ${used}: not the guest's address`, u.address === guest[used]!.address, false, 'host');
      ev.expect(`physical entry ${used}: an x86 interrupt address (0xfeexxxxx) the host kernel wrote`, u.address >> 20n, 0xfeen, 'host');
      ev.expect(`physical entry ${used}: unmasked by the host`, u.masked, false, 'host');
      const i = phys[idle]!;
      ev.expect(`physical entry ${idle} (guest-programmed, never unmasked): not the guest's address`, i.address === guest[idle]!.address, false, 'host');
      ev.expect(`physical entry ${idle}: masked`, i.masked, true, 'host');
      ev.expect('no physical entry holds a guest address', phys.some((e) => guest.some((g) => g.address !== 0n && g.address === e.address)), false, 'host');
    },
  },
  {
    slug: 'qemu-killed-mid-case',
    title: 'QEMU killed with live vectors leaves the host device clean, and a new QEMU works with it',
    pins: ['C4'],
    async body(ctx) {
      const { dut, ev, build, device } = ctx;
      const host = need(ctx);
      await liveVector(dut, 0);
      process.kill(dut.machine.proc.pid, 'SIGKILL');
      await dut.machine.proc.exited;
      const s = await hostState(host);
      ev.expect('host after QEMU died: MSI-X Enable, vectors, vfio lines', [s.msixEnabled, s.allocated, s.msixLines, s.intx], [false, 0, [], false], 'host');
      const again = await Dut.start(build, device, { passthrough: { hostBdf: host.bdf } });
      try {
        await enableAllMasked(again);
        ev.expect('next QEMU: physical MSI-X Enable', (await hostState(host)).msixEnabled, true, 'host');
        await again.route(0);
        await again.msix.unmask(0);
        await again.fire(0);
        await again.mailbox.waitDelivered(0, 5000);
      } finally {
        await again.shutdown();
      }
    },
  },
];

export const vfioSuite: SuiteSpec = { name: 'vfio', kind: 'vfio', cases };
