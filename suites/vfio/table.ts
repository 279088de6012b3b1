/** The guest's table stays the guest's: relocation and isolation from the physical table (C7, C8). */
import { type VfioCase } from '../../harness/case/index.js';

export const tableCases: VfioCase[] = [
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
];
