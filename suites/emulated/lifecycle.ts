/**
 * The device's life with vectors live (catalog C15 on every MSI-X device):
 * hot-unplug and plug back through the machine type's own hot-plug (PCI
 * Express native on q35's root port, ACPI on pc), Secondary Bus Reset from
 * the root port and Function Level Reset. Afterwards the guest must find
 * the reset state, nothing delivered that was pending before, and, where a
 * plugin makes the device fire, exactly one message per fire again.
 */
import { NotApplicable, NotHotpluggableError, SYMPTOMS, type Dut, type EmulatedCase, type Evidence } from '../../harness/case/index.js';
import { noPending, onlyPending } from './msix-state.js';

/** The counted cases' device under test, in the machine type's slot that hot-plugs (behind a root port on q35). */
const IN_SLOT = { hotplugSlot: true, counters: 1 } as const;

/** What expectAfter and unplugRecorded record. */
const AFTER_RECORDS = [SYMPTOMS.messagesForOneCause, SYMPTOMS.slotWrittenSince] as const;
const UNPLUG_RECORDS = [SYMPTOMS.qemuAfterUnplug, SYMPTOMS.deviceDeletedEvent] as const;

/** Whether a plugin makes the device fire (else only the state is checked). */
const fires = (dut: Dut) => !dut.plugin.contractOnly;

interface Live {
  readonly delivering: number;
  /** The vector left masked with a fire pending, where the device fires and has two vectors or more. */
  readonly pending?: number;
}

/**
 * Vectors live as a driver leaves them: MSI-X on, the first vector routed
 * and unmasked (one message delivered where the device fires), the last
 * routed and masked with a fire pending. Both mailbox slots are cleared
 * after, so anything that arrives later is a message the event sent.
 */
async function makeLive(dut: Dut, ev: Evidence): Promise<Live> {
  const first = 0;
  const last = dut.msix.vectors - 1;
  await dut.enableAllMasked();
  await dut.route(first);
  await dut.msix.unmask(first);
  if (!fires(dut)) return { delivering: first };
  await dut.fireAndWait(first);
  if (last === first) return { delivering: first };
  await dut.route(last);
  await dut.msix.mask(last);
  await dut.fire(last);
  await dut.settle();
  ev.guest.require('PBA with the last vector fired while masked', await dut.msix.pendingBits(), onlyPending(dut, last));
  await dut.mailbox.arm(first);
  await dut.mailbox.arm(last);
  return { delivering: first, pending: last };
}

/** What the guest must find after `event`: the reset state, nothing sent since, and one message per fire again. */
async function expectAfter(dut: Dut, ev: Evidence, event: string, live: Live): Promise<void> {
  const ctl = await dut.msix.control();
  ev.guest.expect(`Enable, Function Mask after ${event}`, [ctl.enabled, ctl.functionMasked], [false, false]);
  const entries = await dut.msix.entries();
  ev.guest.expect(`entries masked and zero after ${event}`, entries.map((e) => [e.masked, e.address, e.data]), entries.map(() => [true, 0n, 0]));
  ev.guest.expect(`PBA after ${event}`, await dut.msix.pendingBits(), noPending(dut));
  await dut.letTimePass();
  for (const v of [live.delivering, ...(live.pending === undefined ? [] : [live.pending])]) ev.guest.expect(`${SYMPTOMS.slotWrittenSince}, ${event}, vector ${v}`, await dut.mailbox.delivered(v), false);
  if (!fires(dut)) return;
  const v = live.pending ?? live.delivering;
  await dut.enableAllMasked();
  ev.guest.expect(`messages on unmasking vector ${v} after ${event} (what was pending before is gone)`, await dut.messagesFor(v, () => dut.msix.unmask(v)), 0);
  ev.guest.expect(`${SYMPTOMS.messagesForOneCause}, vector ${v} after ${event}`, await dut.messagesFor(v, () => dut.fire(v)), 1);
}

/**
 * Unplug, recording whether QEMU lived through it and reported the device
 * deleted; a device that cannot be unplugged at all (QEMU or the machine's
 * hot-plug says so) makes the case not apply.
 */
async function unplugRecorded(dut: Dut, ev: Evidence, qualifier = ''): Promise<void> {
  let deleted: boolean | undefined;
  ev.qemu.expect(`${SYMPTOMS.qemuAfterUnplug}${qualifier}`, await dut.survives(async () => void ({ deletedEvent: deleted } = await unplugOrNotApplicable(dut))), 'running');
  if (deleted !== undefined) ev.qemu.expect(`${SYMPTOMS.deviceDeletedEvent}${qualifier}`, deleted, true);
}

async function unplugOrNotApplicable(dut: Dut): Promise<{ readonly deletedEvent: boolean }> {
  try {
    return await dut.unplug();
  } catch (e) {
    if (e instanceof NotHotpluggableError) throw new NotApplicable(`QEMU ${dut.build.label}: ${e.why.split('\n')[0]}`);
    throw e;
  }
}

export const lifecycleCases: EmulatedCase[] = [
  {
    slug: 'hot-unplug-with-vectors-live',
    title: 'hot-unplugged with vectors live (one unmasked, one pending), through the guest side of the machine type\'s hot-plug, then plugged back: QEMU stays up, the device comes back in its reset state, nothing pending survives, and one fire sends one message',
    pins: ['C18'],
    contract: true,
    dut: IN_SLOT,
    records: [...UNPLUG_RECORDS, ...AFTER_RECORDS],
    async body({ dut, ev }) {
      const live = await makeLive(dut, ev);
      ev.qemu.note('hot-plug', dut.hotplugHow);
      await unplugRecorded(dut, ev);
      ev.qemu.expect('QEMU after plugging back', await dut.survives(() => dut.plugBack()), 'running');
      await expectAfter(dut, ev, 'the re-plug', live);
    },
  },
  {
    slug: 'unplug-replug-twice',
    title: 'unplugged and plugged back twice in a row with MSI-X enabled each time: the second life is like the first',
    pins: ['C18'],
    contract: true,
    dut: IN_SLOT,
    records: [...UNPLUG_RECORDS, ...AFTER_RECORDS],
    async body({ dut, ev }) {
      for (const round of [1, 2]) {
        const live = await makeLive(dut, ev);
        await unplugRecorded(dut, ev, `, round ${round}`);
        ev.qemu.expect(`QEMU after plug ${round}`, await dut.survives(() => dut.plugBack()), 'running');
        await expectAfter(dut, ev, `re-plug ${round}`, live);
      }
    },
  },
  {
    slug: 'secondary-bus-reset-with-vectors-live',
    title: 'Secondary Bus Reset from the root port above the device with vectors live: the reset state, nothing pending survives, one fire sends one message',
    pins: ['C18'],
    contract: true,
    dut: IN_SLOT,
    records: AFTER_RECORDS,
    async body({ dut, ev }) {
      if (!dut.hasBridgeAbove) throw new NotApplicable(`no bridge above the device in this machine type's slot (${dut.hotplugHow}): no Secondary Bus Reset`);
      const live = await makeLive(dut, ev);
      ev.qemu.expect('QEMU after the Secondary Bus Reset', await dut.survives(() => dut.secondaryBusReset()), 'running');
      await expectAfter(dut, ev, 'the Secondary Bus Reset', live);
    },
  },
  {
    slug: 'flr-with-vectors-live',
    title: 'Function Level Reset with vectors live, where the device advertises it: the reset state, nothing pending survives, one fire sends one message',
    pins: ['C18'],
    contract: true,
    dut: { counters: 1 },
    records: AFTER_RECORDS,
    async body({ dut, ev }) {
      if (!(await dut.fn.flrCapable())) throw new NotApplicable(`the ${dut.plugin.name} does not advertise Function Level Reset`);
      const live = await makeLive(dut, ev);
      ev.qemu.expect('QEMU after the FLR', await dut.survives(() => dut.functionLevelReset()), 'running');
      await expectAfter(dut, ev, 'the FLR', live);
    },
  },
];
