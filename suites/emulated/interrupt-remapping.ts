/**
 * Interrupt remapping in front of the device (catalog C25): intel-iommu with
 * intremap=on, its remapping table and invalidation queue programmed from
 * qtest as Linux's driver programs them. Messages then end at the local
 * APIC, so they are counted where they land (QEMU's apic_deliver_irq
 * trace), never in guest RAM. A remappable message through a present entry
 * arrives once with the entry's vector; one naming an absent entry is
 * recorded as a fault and delivers nothing; a compatibility-format message
 * is blocked while Compatibility Format Interrupts are off; the IOMMU's own
 * fault event interrupt is sent once; and no register write of the guest's
 * takes QEMU down. amd-iommu (AMD-Vi) gets the same: its device table and
 * interrupt table programmed, a message through a present entry once, an
 * entry without RemapEn aborted, any register write survived.
 */
import { AmdViControl, amdViMessage, compatibilityMessage, NotApplicable, remappableMessage, SYMPTOMS, type Dut, type EmulatedCase, type Evidence, type MsixMessage, type Target } from '../../harness/case/index.js';

const BEHIND_IOMMU = { iommu: 'intel-iommu' } as const;
/** Entry h of the table serves device vector h - HANDLE_BASE. */
const HANDLE_BASE = 0x100;
/** The APIC vector an entry sends for device vector v: well above the exception vectors. */
const apicVector = (v: number) => 0x40 + (v % 0x80);
/** VT-d fault reason 0x22: the entry an interrupt request named is not present. */
const FAULT_ENTRY_NOT_PRESENT = 0x22;
const BSP = 0;
/** The amd-iommu registers the sweep writes: control, tables and logs (0..0x200) and the pointers (0x2000..). */
const AMD_REGISTER_SWEEP_BYTES = 0x2040;
/** intel-iommu's register page. */
const VTD_REGISTER_BYTES = 0x1000;

function onQ35(t: Target): string | undefined {
  if (t.machine !== 'q35') return 'intel-iommu is a q35 device';
  if (t.device.contractOnly) return `no plugin makes ${t.device.name} fire`;
  return undefined;
}

const BEHIND_AMD_IOMMU = { iommu: 'amd-iommu' } as const;
/** AMD-Vi interrupt table entry for device vector v (the MSI data names it). */
const amdEntry = (v: number) => 0x10 + (v % 0xe0);

function amdOnQ35(t: Target): string | undefined {
  if (!t.build.devices.has('amd-iommu')) return `QEMU ${t.build.label} has no amd-iommu`;
  return onQ35(t);
}

/** AMD-Vi remapping on for the device, every vector's entry present (entry amdEntry(v) sends apicVector(v) to the BSP). */
async function amdRemapping(dut: Dut): Promise<void> {
  await dut.amdVi.enableRemapping(dut.requesterId);
  for (let v = 0; v < dut.msix.vectors; v++) await dut.amdVi.setEntry(amdEntry(v), { present: true, vector: apicVector(v), destination: BSP });
  await dut.enableAllMasked();
}

/** IR on, with every vector's entry in the table present (entry HANDLE_BASE + v sends apicVector(v) to the BSP). */
async function remapping(dut: Dut): Promise<void> {
  const caps = await dut.vtd.capabilities();
  if (!caps.interruptRemapping) throw new NotApplicable(`QEMU ${dut.build.label}'s intel-iommu offers no interrupt remapping`);
  await dut.vtd.clearTable();
  for (let v = 0; v < dut.msix.vectors; v++) await dut.vtd.setEntry(HANDLE_BASE + v, { present: true, vector: apicVector(v), destination: BSP });
  await dut.vtd.enableRemapping();
  await dut.enableAllMasked();
}

/** APIC messages with `vector` that `action` made. */
async function apicMessagesFor(dut: Dut, vector: number, action: () => Promise<void>): Promise<number> {
  const before = await dut.apicMessages(vector);
  await action();
  return (await dut.apicMessages(vector)) - before;
}

/** Vector v unmasked and sent through `msg`: exactly one APIC message with apicVector(v) per fire (`how` names the path). */
async function expectOnceThrough(dut: Dut, ev: Evidence, v: number, msg: MsixMessage, how: string): Promise<void> {
  await dut.msix.unmask(v);
  await dut.msix.program(v, msg);
  ev.guest.expect(`${SYMPTOMS.messagesForOneCause}, ${how}, vector ${v}`, await apicMessagesFor(dut, apicVector(v), () => dut.fire(v)), 1);
}

/**
 * Every pattern written to every register of the IOMMU's page (`write`, one
 * pipeline a pattern): QEMU must survive. Then a reset, remapping set up
 * again (`setUp`) and the last vector through `msg`: once.
 */
async function registerSweep(dut: Dut, ev: Evidence, sweep: { readonly iommu: string; readonly bytes: number; readonly patterns: readonly number[]; readonly write: (w: (readonly [number, number])[]) => Promise<void>; readonly setUp: () => Promise<void>; readonly msg: (v: number) => MsixMessage }): Promise<void> {
  const writes = async () => {
    for (const p of sweep.patterns) await sweep.write(Array.from({ length: sweep.bytes / 4 }, (_, i) => [i * 4, p] as const));
  };
  if (ev.qemu.expect(`${SYMPTOMS.qemuAfterIommuWrites} (${sweep.iommu})`, await dut.survives(writes), 'running') === false) return;
  await dut.machineReset();
  await sweep.setUp();
  const v = dut.msix.vectors - 1;
  await expectOnceThrough(dut, ev, v, sweep.msg(v), `remapped by ${sweep.iommu} after the writes and a reset`);
}

export const interruptRemappingCases: EmulatedCase[] = [
  {
    slug: 'remapped-delivers-once',
    title: 'behind intel-iommu with interrupt remapping on: a remappable message (by handle, and by handle + subhandle) through a present entry arrives at the local APIC exactly once per fire with the entry\'s vector, and no fault is recorded',
    pins: ['C25'],
    dut: BEHIND_IOMMU,
    skipReason: onQ35,
    records: [SYMPTOMS.messagesForOneCause],
    async body({ dut, ev }) {
      await remapping(dut);
      const last = dut.msix.vectors - 1;
      for (const v of [...new Set([0, last])]) {
        // Subhandle: entry = handle + data; the handle named is one below, so only the sum finds the present entry.
        await expectOnceThrough(dut, ev, v, remappableMessage(HANDLE_BASE + v), 'remapped to the APIC by handle');
        await expectOnceThrough(dut, ev, v, remappableMessage(HANDLE_BASE + v - 1, 1), 'remapped to the APIC by handle + subhandle');
      }
      ev.guest.expect('faults recorded', (await dut.vtd.faults()).records, []);
    },
  },
  {
    slug: 'absent-entry-faults',
    title: 'behind intel-iommu with interrupt remapping on: a remappable message naming an entry that is not present delivers nothing and is recorded as a fault (reason 0x22, the entry\'s index, the device\'s requester id), and the IOMMU\'s own fault event interrupt arrives once; after the fault is cleared, a present entry delivers once',
    pins: ['C25'],
    dut: BEHIND_IOMMU,
    skipReason: onQ35,
    records: [SYMPTOMS.irFaultRecorded, SYMPTOMS.messagesForOneCause],
    async body({ dut, ev }) {
      await remapping(dut);
      const v = dut.msix.vectors - 1;
      const absent = HANDLE_BASE + dut.msix.vectors + 7;
      const faultVector = 0xe0;
      await dut.vtd.routeFaultEvent(compatibilityMessage(faultVector, BSP));
      await dut.msix.unmask(v);
      await dut.msix.program(v, remappableMessage(absent));
      let fault = 0;
      const delivered = await apicMessagesFor(dut, apicVector(v), async () => void (fault = await apicMessagesFor(dut, faultVector, () => dut.fire(v))));
      ev.guest.expect(`APIC messages for a fire through absent entry ${absent}`, delivered, 0);
      const faults = await dut.vtd.faults();
      ev.guest.expect(SYMPTOMS.irFaultRecorded, faults.records.length > 0, true);
      ev.guest.expect('fault recorded (reason, index, requester id), PPF', [faults.records.map((r) => [r.reason, r.index, r.sourceId]), faults.pending], [[[FAULT_ENTRY_NOT_PRESENT, absent, dut.requesterId]], true]);
      ev.guest.expect('fault event interrupts for the fault', fault, 1);
      await dut.vtd.clearFaults();
      await expectOnceThrough(dut, ev, v, remappableMessage(HANDLE_BASE + v), 'through its present entry afterwards');
    },
  },
  {
    slug: 'compatibility-format-blocked',
    title: 'behind intel-iommu with interrupt remapping on and Compatibility Format Interrupts off (GSTS.CFIS 0, as Linux leaves it): a compatibility-format message is blocked, never delivered around the remapping table',
    pins: ['C25'],
    dut: BEHIND_IOMMU,
    skipReason: onQ35,
    records: [SYMPTOMS.compatibilityFormatDelivered],
    async body({ dut, ev }) {
      await remapping(dut);
      ev.guest.require('GSTS.CFIS', ((await dut.vtd.status()) >>> 23) & 1, 0);
      const v = dut.msix.vectors - 1;
      const vector = 0xd0;
      await dut.msix.unmask(v);
      await dut.msix.program(v, compatibilityMessage(vector, BSP));
      const n = await apicMessagesFor(dut, vector, () => dut.fire(v));
      ev.guest.note('APIC messages for the compatibility-format message', n);
      ev.guest.expect(SYMPTOMS.compatibilityFormatDelivered, n > 0, false);
    },
  },
  {
    slug: 'iommu-register-writes-survive',
    title: 'any value the guest writes to any intel-iommu register (a seeded sweep of patterns over its whole register page) never takes QEMU down, and the device behind it still delivers once remapping is set up again',
    pins: ['C25'],
    dut: BEHIND_IOMMU,
    skipReason: onQ35,
    records: [SYMPTOMS.qemuAfterIommuWrites, SYMPTOMS.messagesForOneCause],
    async body({ dut, ev }) {
      await registerSweep(dut, ev, { iommu: 'intel-iommu', bytes: VTD_REGISTER_BYTES, patterns: [0xffffffff, 0x00000000, 0x80000000, 0x5a5a5a5a, 0x0000ffff], write: (w) => dut.vtd.writeRegisters(w), setUp: () => remapping(dut), msg: (v) => remappableMessage(HANDLE_BASE + v) });
    },
  },
  {
    slug: 'iommu-completion-event-counted',
    title: "the IOMMU's own invalidation completion interrupt: an invalidation wait with its Interrupt Flag (and a Status Write) leaves QEMU up and sends one message per completion once ICS.IWC is cleared, none while IWC is still set, and a completion while the interrupt is masked is sent once when it is unmasked",
    pins: ['C25'],
    dut: BEHIND_IOMMU,
    skipReason: onQ35,
    records: [SYMPTOMS.messagesForOneCause, SYMPTOMS.qemuAfterWaitWithInterrupt],
    async body({ dut, ev }) {
      await remapping(dut);
      const vector = 0xe1;
      await dut.vtd.routeCompletionEvent(compatibilityMessage(vector, BSP));
      // Linux asks for the status write only; FreeBSD asks for both, as the specification allows.
      let first = -1;
      if (ev.qemu.expect(SYMPTOMS.qemuAfterWaitWithInterrupt, await dut.survives(async () => void (first = await apicMessagesFor(dut, vector, () => dut.vtd.waitWithInterrupt()))), 'running') === false) return;
      ev.guest.expect(`${SYMPTOMS.messagesForOneCause}, the IOMMU's completion event`, first, 1);
      ev.guest.expect('ICS.IWC after the completion', await dut.vtd.completionPending(), true);
      ev.guest.expect('completion events for a second wait with IWC still set', await apicMessagesFor(dut, vector, () => dut.vtd.waitWithInterrupt()), 0);
      await dut.vtd.clearCompletion();
      ev.guest.expect(`${SYMPTOMS.messagesForOneCause}, the IOMMU's completion event after IWC was cleared`, await apicMessagesFor(dut, vector, () => dut.vtd.waitWithInterrupt()), 1);
      await dut.vtd.clearCompletion();
      await dut.vtd.routeCompletionEvent(compatibilityMessage(vector, BSP), true);
      ev.guest.expect('completion events while masked', await apicMessagesFor(dut, vector, () => dut.vtd.waitWithInterrupt()), 0);
      ev.guest.expect('completion events on unmask (the one held back)', await apicMessagesFor(dut, vector, () => dut.vtd.unmaskCompletionEvent()), 1);
    },
  },
  {
    slug: 'amd-iommu-remapped-delivers-once',
    title: 'behind amd-iommu with interrupt remapping on (device table entry with its interrupt table, IntCtl remapped): a message through a present entry arrives at the local APIC exactly once per fire with the entry\'s vector',
    pins: ['C25'],
    dut: BEHIND_AMD_IOMMU,
    skipReason: amdOnQ35,
    records: [SYMPTOMS.messagesForOneCause],
    async body({ dut, ev }) {
      await amdRemapping(dut);
      for (const v of [...new Set([0, dut.msix.vectors - 1])]) await expectOnceThrough(dut, ev, v, amdViMessage(amdEntry(v)), 'remapped by AMD-Vi to the APIC');
    },
  },
  {
    slug: 'amd-iommu-disabled-entry-aborts',
    title: 'behind amd-iommu with interrupt remapping on: a message naming an entry without RemapEn delivers nothing and QEMU stays up; the same vector through a present entry afterwards delivers once',
    pins: ['C25'],
    dut: BEHIND_AMD_IOMMU,
    skipReason: amdOnQ35,
    records: [SYMPTOMS.messagesForOneCause],
    async body({ dut, ev }) {
      await amdRemapping(dut);
      const v = dut.msix.vectors - 1;
      const disabled = 0xf0;
      await dut.amdVi.setEntry(disabled, { present: false, vector: apicVector(v), destination: BSP });
      await dut.msix.unmask(v);
      await dut.msix.program(v, amdViMessage(disabled));
      let n = -1;
      if (ev.qemu.expect('QEMU after a message through an entry without RemapEn', await dut.survives(async () => void (n = await apicMessagesFor(dut, apicVector(v), () => dut.fire(v)))), 'running') === false) return;
      ev.guest.expect(`APIC messages for a fire through entry ${disabled} (RemapEn clear)`, n, 0);
      await expectOnceThrough(dut, ev, v, amdViMessage(amdEntry(v)), 'remapped by AMD-Vi through its present entry afterwards');
    },
  },
  {
    slug: 'amd-iommu-register-writes-survive',
    title: 'any value the guest writes to any amd-iommu register (a seeded sweep of patterns over its register page) never takes QEMU down, and the device behind it still delivers once remapping is set up again',
    pins: ['C25'],
    dut: BEHIND_AMD_IOMMU,
    skipReason: amdOnQ35,
    records: [SYMPTOMS.qemuAfterIommuWrites, SYMPTOMS.messagesForOneCause],
    async body({ dut, ev }) {
      await registerSweep(dut, ev, { iommu: 'amd-iommu', bytes: AMD_REGISTER_SWEEP_BYTES, patterns: [0xffffffff, 0x00000000, 0x5a5a5a5a], write: (w) => dut.amdVi.writeRegisters(w), setUp: () => amdRemapping(dut), msg: (v) => amdViMessage(amdEntry(v)) });
    },
  },
  {
    slug: 'amd-iommu-system-reset-clears-ga-mode',
    title: "amd-iommu's control register back at its reset value after system_reset, guest virtual APIC mode (GAEn) included: a driver that set GAEn before the reset sets legacy remapping up again and its message arrives once",
    pins: ['C25'],
    dut: BEHIND_AMD_IOMMU,
    skipReason: amdOnQ35,
    records: [SYMPTOMS.messagesForOneCause],
    async body({ dut, ev }) {
      await amdRemapping(dut);
      await dut.amdVi.setControl(AmdViControl.GA_EN);
      await dut.machineReset();
      ev.guest.expect('amd-iommu control register after system_reset', await dut.amdVi.control(), 0n);
      await amdRemapping(dut);
      const v = dut.msix.vectors - 1;
      await expectOnceThrough(dut, ev, v, amdViMessage(amdEntry(v)), 'remapped by AMD-Vi after GAEn and a system_reset');
    },
  },
];
