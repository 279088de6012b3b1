/**
 * SR-IOV VFs with MSI-X (catalog C21-C23), on every PF QEMU gives VFs (a
 * plugin with sriov facts: igb, nvme), driven from the guest through the
 * PF's SR-IOV capability as a PF driver drives it. What the guest must see
 * is what the PCIe and SR-IOV specifications say: VFs exist exactly while
 * VF Enable is set, NumVFs is the guest's to write, each VF has its own
 * MSI-X table in its own aperture (below or above 4 GiB), a PF reset resets
 * the capability and takes the VFs away, and no write of the guest's, in
 * or out of specification, takes QEMU down.
 */
import { NotApplicable, SYMPTOMS, type Dut, type EmulatedCase, type Evidence, type SriovUnderTest, type Target, type VfBarsAt, type VfUnderTest } from '../../harness/case/index.js';

const SRIOV = { sriov: true, counters: 1 } as const;
/** VFs the cases make: two tell "each its own" from "all the same", and keep the count of fires small. */
const VFS = 2;

function noSriov(t: Target): string | undefined {
  return t.device.sriov ? undefined : `QEMU gives the ${t.device.name} no SR-IOV VFs`;
}

/** The PF's SR-IOV capability, or NotApplicable where this build's device has none. */
async function sriovOf(dut: Dut): Promise<SriovUnderTest> {
  const s = await dut.sriov();
  if (!s) throw new NotApplicable(`QEMU ${dut.build.label}'s ${dut.plugin.name} has no SR-IOV capability`);
  return s;
}

/** A tag per VF and vector, so an entry read back tells whose it is. */
const tagOf = (vf: number, v: number) => 0x5100 + vf * 0x40 + v;
const addressOf = (vf: number, v: number) => 0xfeed_0000 + vf * 0x1000 + v * 0x10;

/**
 * Every entry of every VF given its own address and data, then all read
 * back: each VF's table is its own and holds what was written. Returns the
 * VFs.
 */
async function tablesReadBack(sriov: SriovUnderTest, n: number, ev: Evidence, where: string): Promise<VfUnderTest[]> {
  const vfs: VfUnderTest[] = [];
  for (let i = 0; i < n; i++) vfs.push(await sriov.vf(i));
  for (const vf of vfs) for (let v = 0; v < vf.msix.vectors; v++) await vf.msix.program(v, { address: addressOf(vf.index, v), data: tagOf(vf.index, v) });
  const seen: [number, number][][] = [];
  const want: [number, number][][] = [];
  for (const vf of vfs) {
    const entries = await vf.msix.entries();
    seen.push(entries.map((e) => [Number(e.address), e.data]));
    want.push(entries.map((_, v) => [addressOf(vf.index, v), tagOf(vf.index, v)]));
  }
  const same = JSON.stringify(seen) === JSON.stringify(want);
  if (!same) ev.guest.note(`VF entries read back (address, data), VF BARs ${where}`, seen);
  ev.guest.require(`${SYMPTOMS.vfTablesReadBack}, VF BARs ${where}`, same, true);
  return vfs;
}

/** One fire of each vector of each VF, counted: exactly one message each (where a plugin fires the VF). */
async function eachVectorOnce(dut: Dut, vfs: readonly VfUnderTest[], ev: Evidence, when: string): Promise<void> {
  for (const vf of vfs) {
    const fire = vf.fire;
    if (!fire) return;
    await vf.msix.enable();
    const counts: number[] = [];
    for (let v = 0; v < vf.msix.vectors; v++) {
      await vf.msix.unmask(v);
      counts.push(await dut.messagesOn(vf.msix, v, () => fire(v)));
    }
    ev.guest.expect(`messages for one fire of each vector of VF ${vf.index}, ${when}`, counts, counts.map(() => 1));
  }
}

/** A VF's MSI-X as a reset left it: Enable and Function Mask clear, every entry masked. */
async function expectVfResetState(vf: VfUnderTest, ev: Evidence, when: string): Promise<void> {
  const ctl = await vf.msix.control();
  ev.guest.expect(`VF ${vf.index} Enable, Function Mask ${when}`, [ctl.enabled, ctl.functionMasked], [false, false]);
  const entries = await vf.msix.entries();
  ev.guest.expect(`VF ${vf.index} entries masked ${when}`, entries.map((e) => e.masked), entries.map(() => true));
}

/** VFs made with their vectors live: every vector of every VF fired once (counted), the last left unmasked. */
async function vfsLive(dut: Dut, sriov: SriovUnderTest, ev: Evidence): Promise<void> {
  await sriov.enable(VFS);
  const vfs = await tablesReadBack(sriov, VFS, ev, 'below 4 GiB');
  await eachVectorOnce(dut, vfs, ev, 'before');
}

const vfBarCase = (at: VfBarsAt): EmulatedCase => ({
  slug: `vf-msix-${at}`,
  title: `VF BARs placed ${at === 'above-4g' ? 'above 4 GiB (64-bit)' : 'below 4 GiB'} through the PF's capability: each VF's MSI-X table is its own and reads back what was written, starts in its reset state, and each vector sends exactly one message per fire`,
  pins: ['C22'],
  dut: SRIOV,
  skipReason: noSriov,
  records: [SYMPTOMS.vfTablesReadBack],
  async body({ dut, ev }) {
    const sriov = await sriovOf(dut);
    await sriov.enable(VFS, at);
    ev.guest.note('VF BARs', (await sriov.registers()).vfBars.map((b) => `0x${b.toString(16)}`).join(' '));
    for (let i = 0; i < VFS; i++) await expectVfResetState(await sriov.vf(i), ev, 'when made');
    const vfs = await tablesReadBack(sriov, VFS, ev, at === 'above-4g' ? 'above 4 GiB' : 'below 4 GiB');
    await eachVectorOnce(dut, vfs, ev, `VF BARs ${at}`);
  },
});

/** The resets a PF goes through with VFs live, and what each is. */
const PF_RESETS = [
  { slug: 'pf-flr-with-vfs-live', what: 'Function Level Reset of the PF', applies: (dut: Dut) => dut.plugin.flr === true, run: (dut: Dut) => dut.functionLevelReset() },
  { slug: 'system-reset-with-vfs-live', what: 'system_reset', applies: () => true, run: (dut: Dut) => dut.machineReset() },
] as const;

const pfResetCase = (r: (typeof PF_RESETS)[number]): EmulatedCase => ({
  slug: r.slug,
  title: `${r.what} with VFs live: the SR-IOV capability back to its reset values (VF Enable and VF MSE clear, NumVFs 0, VF BARs as at power-on), every VF gone; VFs made again start with MSI-X in its reset state and send one message per fire`,
  pins: ['C23'],
  dut: SRIOV,
  skipReason: noSriov,
  records: [SYMPTOMS.vfTablesReadBack],
  async body({ dut, ev }) {
    if (!r.applies(dut)) throw new NotApplicable(`the ${dut.plugin.name} advertises no FLR`);
    const sriov = await sriovOf(dut);
    const atPowerOn = await sriov.registers();
    await vfsLive(dut, sriov, ev);
    await r.run(dut);
    const after = await sriov.registers();
    ev.guest.expect(`${SYMPTOMS.sriovControlAfterPfReset}, ${r.what}`, after.control, atPowerOn.control);
    ev.guest.expect(`NumVFs, VF BARs after ${r.what}`, [after.numVfs, after.vfBars], [atPowerOn.numVfs, atPowerOn.vfBars]);
    ev.guest.expect(`${SYMPTOMS.vfsAfterPfReset} (${r.what})`, await sriov.presentVfs(VFS), []);
    await sriov.enable(VFS);
    for (let i = 0; i < VFS; i++) await expectVfResetState(await sriov.vf(i), ev, `made again after ${r.what}`);
    const vfs = await tablesReadBack(sriov, VFS, ev, `below 4 GiB, after ${r.what}`);
    await eachVectorOnce(dut, vfs, ev, `after ${r.what}`);
  },
});

export const sriovCases: EmulatedCase[] = [
  {
    slug: 'vfs-follow-vf-enable',
    title: "VFs answer at First VF Offset + n x VF Stride exactly while VF Enable is set, as many as NumVFs; NumVFs keeps what the guest wrote when VF Enable is cleared (it is the guest's register); and again after",
    pins: ['C21'],
    dut: SRIOV,
    skipReason: noSriov,
    async body({ dut, ev }) {
      const sriov = await sriovOf(dut);
      const regs = await sriov.registers();
      ev.guest.note('TotalVFs, First VF Offset, VF Stride, VF Device ID', [regs.totalVfs, regs.firstVfOffset, regs.vfStride, `0x${regs.vfDeviceId.toString(16)}`]);
      ev.guest.require('SR-IOV Control and NumVFs at power-on', [regs.control, regs.numVfs], [0, 0]);
      const n = Math.min(regs.totalVfs, VFS + 1);
      await sriov.placeVfBars(n);
      await sriov.cap.setNumVfs(n);
      ev.guest.expect('VFs answering with NumVFs set, VF Enable clear', await sriov.presentVfs(n), []);
      await sriov.cap.enableVfs();
      const all = Array.from({ length: n }, (_, i) => i);
      ev.guest.expect(`VFs answering with VF Enable set, NumVFs ${n}`, await sriov.presentVfs(n), all);
      await sriov.disable();
      ev.guest.expect('VFs answering after VF Enable cleared', await sriov.presentVfs(n), []);
      ev.guest.expect(SYMPTOMS.numVfsAfterVfDisable, await sriov.cap.numVfs(), n);
      // Again, with fewer: only those come back.
      await sriov.cap.setNumVfs(1);
      await sriov.cap.enableVfs();
      ev.guest.expect('VFs answering with VF Enable set again, NumVFs 1', await sriov.presentVfs(n), [0]);
      await tablesReadBack(sriov, 1, ev, 'below 4 GiB, made again');
    },
  },
  vfBarCase('below-4g'),
  vfBarCase('above-4g'),
  ...PF_RESETS.map(pfResetCase),
  {
    slug: 'sriov-out-of-spec-survives',
    title: 'out-of-specification SR-IOV programming (NumVFs past TotalVFs then VF Enable; NumVFs rewritten while VF Enable is set; VF Enable toggled with no NumVFs) never takes QEMU down, never makes more than TotalVFs VFs, and VFs made properly afterwards work',
    pins: ['C21'],
    dut: SRIOV,
    skipReason: noSriov,
    records: [SYMPTOMS.qemuAfterSriovStep, SYMPTOMS.vfsWithinTotal],
    async body({ dut, ev }) {
      const sriov = await sriovOf(dut);
      const total = await sriov.cap.totalVfs();
      await sriov.placeVfBars(total + 1);
      const steps: [string, () => Promise<void>][] = [
        [`NumVFs ${total + 1} (TotalVFs + 1), then VF Enable`, async () => (await sriov.cap.setNumVfs(total + 1), await sriov.cap.enableVfs())],
        ['VF Enable cleared', () => sriov.disable()],
        ['VF Enable set with NumVFs 0', async () => (await sriov.cap.setNumVfs(0), await sriov.cap.enableVfs())],
        ['NumVFs 1 written while VF Enable is set, then cleared', async () => (await sriov.cap.setNumVfs(1), await sriov.disable())],
        [`NumVFs 1, VF Enable, then NumVFs ${total} while it is set`, async () => (await sriov.cap.setNumVfs(1), await sriov.cap.enableVfs(), await sriov.cap.setNumVfs(total))],
        ['VF Enable cleared', () => sriov.disable()],
        ['NumVFs 0xffff, then VF Enable', async () => (await sriov.cap.setNumVfs(0xffff), await sriov.cap.enableVfs())],
      ];
      for (const [what, step] of steps) {
        if (ev.qemu.expect(`${SYMPTOMS.qemuAfterSriovStep}, ${what}`, await dut.survives(step), 'running') === false) return;
        const present = (await sriov.presentVfs(total + 1)).length;
        ev.guest.expect(`${SYMPTOMS.vfsWithinTotal}, after ${what} (TotalVFs ${total})`, present <= total, true);
      }
      await sriov.disable();
      await sriov.enable(VFS);
      const vfs = await tablesReadBack(sriov, VFS, ev, 'below 4 GiB, made properly afterwards');
      await eachVectorOnce(dut, vfs, ev, 'made properly afterwards');
    },
  },
  {
    slug: 'pf-unplug-with-vfs-live',
    title: "hot-unplug of the PF with VFs live (every vector fired once): QEMU stays up and reports DEVICE_DELETED, and neither the PF nor any VF answers afterwards",
    pins: ['C21', 'C18'],
    dut: { ...SRIOV, hotplugSlot: true },
    skipReason: noSriov,
    records: [SYMPTOMS.qemuAfterUnplug, SYMPTOMS.deviceDeletedEvent],
    async body({ dut, ev }) {
      const sriov = await sriovOf(dut);
      ev.guest.note('hot-plug', dut.hotplugHow);
      await vfsLive(dut, sriov, ev);
      const where = await sriov.routingIds(VFS);
      let deleted: boolean | undefined;
      if (ev.qemu.expect(SYMPTOMS.qemuAfterUnplug, await dut.survives(async () => void ({ deletedEvent: deleted } = await dut.unplug())), 'running') === false) return;
      ev.qemu.expect(SYMPTOMS.deviceDeletedEvent, deleted, true);
      ev.guest.expect('PF answering after the unplug', (await dut.fn.ids()) !== undefined, false);
      ev.guest.expect('VFs answering after the unplug', await sriov.presentVfs(VFS, where), []);
    },
  },
];
