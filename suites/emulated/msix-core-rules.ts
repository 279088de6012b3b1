/**
 * The generic MSI-X rules of QEMU's hw/pci/msix.c (catalog C15), checked on
 * emulated devices through the guest's view only. Each case starts on a
 * freshly started QEMU, i.e. right after a machine reset.
 */
import { NotApplicable, PBA_WRITE_LOG, MSI_SLOT, SYMPTOMS, type EmulatedCase, type SuiteSpec, type Dut } from '../../harness/case/index.js';
import { controlBits, edgeVectors, noPending, onlyPending } from './msix-state.js';
import { lifecycleCases } from './lifecycle.js';
import { deviceWorkCases } from './device-work.js';
import { sriovCases } from './sriov.js';
import { interruptRemappingCases } from './interrupt-remapping.js';

const FIRES = 3;
/** PCI's largest MSI-X table (Table Size is 11 bits, N-1). */
const MSIX_MAX = 2048;
/** A sizing property's edges: none, one, the most PCI allows, one more. */
const SIZING_EDGES = [0, 1, MSIX_MAX, MSIX_MAX + 1];
/** A queue-count property's edges: none, one, as many as the largest table serves with a vector each besides one for configuration, one more. */
const QUEUE_EDGES = [0, 1, MSIX_MAX - 1, MSIX_MAX];


/** The counted cases' device under test: one message counter, and a clock that runs (a fire lets it run past every timer). */
const COUNTED = { counters: 1 } as const;

/** Messages one fire of v sends, counted exactly (v's entry points at the counter from then on). */
const messagesPerFire = (dut: Dut, v: number) => dut.messagesFor(v, () => dut.fire(v));

/**
 * Where no counter can be (counters do not follow a migration): fire once
 * and tell 0, 1 or "2 or more" messages from v's mailbox slot, with a settle
 * and a re-arm in between to catch a second one.
 */
async function mailboxMessages(dut: Dut, v: number): Promise<number> {
  await dut.mailbox.arm(v);
  await dut.fire(v);
  await dut.settle();
  if (!(await dut.mailbox.delivered(v))) return 0;
  await dut.mailbox.arm(v);
  await dut.settle();
  return (await dut.mailbox.delivered(v)) ? 2 : 1;
}

/** Unmask v and let time run: anything the unmask releases, late or not, is sent by then. */
async function unmaskAndWait(dut: Dut, v: number): Promise<void> {
  await dut.msix.unmask(v);
  await dut.letTimePass();
}

async function setFunctionMaskAndWait(dut: Dut, on: boolean): Promise<void> {
  await dut.msix.setFunctionMask(on);
  await dut.letTimePass();
}

const cases: EmulatedCase[] = [
  {
    slug: 'layout',
    title: 'the capability chain is sane; the table and the PBA lie inside their BARs, sized for the table, apart',
    pins: ['C15'],
    contract: true,
    async body({ dut, ev }) {
      ev.guest.expect('capability chain problems', await dut.fn.capabilityChainProblems(), []);
      ev.guest.expect('table and PBA layout problems', dut.msix.layoutProblems(), []);
    },
  },
  {
    slug: 'toggles',
    title: 'entry mask bits, Function Mask and Enable set and clear as written, each alone',
    pins: ['C15'],
    contract: true,
    async body({ dut, ev }) {
      for (const v of edgeVectors(dut)) {
        await dut.msix.unmask(v);
        ev.guest.expect(`vector ${v} masked after unmask`, (await dut.msix.entry(v)).masked, false);
        await dut.msix.mask(v);
        ev.guest.expect(`vector ${v} masked after mask`, (await dut.msix.entry(v)).masked, true);
      }
      await dut.msix.setFunctionMask(true);
      ev.guest.expect('Enable, Function Mask after setting Function Mask', await controlBits(dut), [false, true]);
      await dut.msix.enable();
      ev.guest.expect('Enable, Function Mask after Enable too', await controlBits(dut), [true, true]);
      await dut.msix.setFunctionMask(false);
      ev.guest.expect('Enable, Function Mask after clearing Function Mask', await controlBits(dut), [true, false]);
      await dut.msix.disable();
      ev.guest.expect('Enable, Function Mask after disable', await controlBits(dut), [false, false]);
      ev.guest.expect('PBA after the toggles', await dut.msix.pendingBits(), noPending(dut));
    },
  },
  {
    slug: 'pba-read-only',
    title: 'the PBA is read-only: ones written with nothing pending read back as zeros',
    pins: ['C15'],
    contract: true,
    async body({ dut, ev }) {
      await dut.msix.enable();
      for (let dword = 0; dword * 32 < dut.msix.vectors; dword++) await dut.msix.writePba(dword, 0xffffffff);
      ev.guest.expect('PBA after writing ones', await dut.msix.pendingBits(), noPending(dut));
    },
  },
  {
    slug: 'qword-entry-and-reset',
    title: 'an entry written with 8-byte accesses reads back (5.1+); system_reset then leaves the reset state',
    pins: ['C15'],
    contract: true,
    async body({ dut, ev, build }) {
      const v = dut.msix.vectors - 1;
      const msg = { address: 0x12345678n, data: 0x4321 };
      await dut.msix.writeEntryQword(v, 0, msg.address);
      await dut.msix.writeEntryQword(v, 1, BigInt(msg.data) | (1n << 32n)); // vector control: masked
      const e = await dut.msix.entry(v);
      ev.guest.expectPerTrait('entry after qword writes', { address: e.address, data: e.data }, build.traits.qwordTableAccess, (accepted) => (accepted ? msg : { address: 0n, data: 0 }));
      await dut.msix.setFunctionMask(true);
      await dut.msix.enable();
      await dut.machineReset();
      ev.guest.expect('Enable, Function Mask after reset', await controlBits(dut), [false, false]);
      const entries = await dut.msix.entries();
      ev.guest.expect('entries masked and zero after reset', entries.map((x) => [x.masked, x.address, x.data]), entries.map(() => [true, 0n, 0]));
    },
  },
  {
    slug: 'reset-state',
    title: 'after reset: MSI-X disabled, Function Mask clear, every entry masked and zero, PBA clear',
    pins: ['C15'],
    contract: true,
    async body({ dut, ev }) {
      const ctl = await dut.msix.control();
      ev.guest.expect('Message Control Enable', ctl.enabled, false);
      ev.guest.expect('Message Control Function Mask', ctl.functionMasked, false);
      const entries = await dut.msix.entries();
      ev.guest.expect('entries masked', entries.map((e) => e.masked), entries.map(() => true));
      ev.guest.expect('entries address', entries.map((e) => e.address), entries.map(() => 0n));
      ev.guest.expect('entries data', entries.map((e) => e.data), entries.map(() => 0));
      ev.guest.expect('PBA', await dut.msix.pendingBits(), noPending(dut));
    },
  },
  {
    slug: 'enable-disable',
    title: 'Enable sets and clears without touching Function Mask or the entries',
    pins: ['C15'],
    contract: true,
    async body({ dut, ev }) {
      await dut.msix.enable();
      ev.guest.expect('Enable after setting it', (await dut.msix.control()).enabled, true);
      ev.guest.expect('Function Mask after Enable', (await dut.msix.control()).functionMasked, false);
      ev.guest.expect('entries still masked', (await dut.msix.entries()).every((e) => e.masked), true);
      await dut.msix.disable();
      ev.guest.expect('Enable after clearing it', (await dut.msix.control()).enabled, false);
    },
  },
  {
    slug: 'sizing-properties-at-edges',
    title: `every property that sizes the MSI-X table, at ${SIZING_EDGES.join(', ')}: QEMU builds the table asked for or refuses with an error; never a silent truncation, never an abort`,
    pins: ['C19'],
    contract: true,
    async body({ dut, ev }) {
      const props = await dut.msixSizingProperties();
      if (!props.length) throw new NotApplicable(`QEMU ${dut.build.label}'s ${dut.plugin.driver} has no property that sizes its MSI-X table`);
      for (const p of props) {
        for (const v of SIZING_EDGES) {
          const r = await dut.variantWith(p, v);
          if (r.kind === 'refused') ev.qemu.note(`${p}=${v}`, `refused: ${r.said}`);
          else if (r.kind === 'crashed') ev.qemu.expect(`${p}=${v}: QEMU`, r.how, 'started, or refused with an error');
          else ev.guest.expect(v > MSIX_MAX ? SYMPTOMS.tableSizePastMaximum : `${SYMPTOMS.tableSizeAsAsked}, ${p}=${v}`, r.tableSize, v);
        }
      }
    },
  },
  {
    slug: 'queue-properties-at-edges',
    title: `every property that sizes the device's queues, at ${QUEUE_EDGES.join(', ')}: QEMU starts the device with its MSI-X table or refuses with an error; never MSI-X silently dropped, never an abort`,
    pins: ['C19'],
    contract: true,
    async body({ dut, ev }) {
      const props = await dut.queueSizingProperties();
      if (!props.length) throw new NotApplicable(`QEMU ${dut.build.label}'s ${dut.plugin.driver} has no property that sizes its queues`);
      for (const p of props) {
        for (const v of QUEUE_EDGES) {
          const r = await dut.variantWith(p, v);
          if (r.kind === 'refused') ev.qemu.note(`${p}=${v}`, `refused: ${r.said}`);
          else if (r.kind === 'crashed') ev.qemu.expect(`${p}=${v}: QEMU`, r.how, 'started, or refused with an error');
          else ev.guest.expect(`${SYMPTOMS.msixKeptForQueues}, ${p}=${v}`, r.tableSize > 0, true);
        }
      }
    },
  },
  {
    slug: 'unmasked-delivers-once',
    title: `an unmasked vector delivers its own message, then exactly one message per fire, counted with the clock run (${FIRES} fires, first and last vector)`,
    pins: ['C15', 'C17'],
    dut: COUNTED,
    async body({ dut, ev }) {
      await dut.resetDevice();
      await dut.msix.enable();
      for (const v of edgeVectors(dut)) {
        // Address and data: the mailbox slot of v holds v's data, and no other slot.
        await dut.route(v);
        await dut.msix.unmask(v);
        await dut.mailbox.armAll(dut.msix.vectors);
        await dut.fire(v);
        await dut.settle();
        ev.guest.expect(`vector ${v}: mailbox slots its fire wrote`, await dut.mailbox.written(dut.msix.vectors), [v]);
        ev.guest.expect(`vector ${v}: the data in its slot`, await dut.mailbox.read(v), dut.mailbox.message(v).data);
        for (let i = 0; i < FIRES; i++) ev.qemu.expect(SYMPTOMS.messagesForOneCause, await messagesPerFire(dut, v), 1);
        ev.guest.expect(`vector ${v}: PBA after fires`, await dut.msix.pendingBits(), noPending(dut));
        // Back to its own slot: a stray message of v while the next vector is counted is not counted there.
        await dut.route(v);
      }
    },
  },
  {
    slug: 'one-message-per-cause',
    title: 'one cause raised on a vector that never fired, the virtual clock run past every moderation timer: exactly one message, counted',
    pins: ['C17'],
    dut: COUNTED,
    async body({ dut, ev }) {
      await dut.resetDevice();
      await dut.msix.enable();
      await dut.msix.unmask(0);
      ev.qemu.expect(SYMPTOMS.messagesForOneCause, await messagesPerFire(dut, 0), 1);
      ev.guest.expect('PBA after the message', await dut.msix.pendingBits(), noPending(dut));
    },
  },
  {
    slug: 'masked-fire-pends',
    title: 'a masked vector pends instead of delivering; unmask sends exactly one message and clears the PBA bit (counted, the clock run)',
    pins: ['C15'],
    dut: COUNTED,
    async body({ dut, ev }) {
      const v = dut.msix.vectors - 1;
      await dut.resetDevice();
      await dut.msix.enable();
      ev.guest.expect('messages from a fire while masked', await messagesPerFire(dut, v), 0);
      ev.guest.expect('PBA after masked fire', await dut.msix.pendingBits(), onlyPending(dut, v));
      ev.guest.expect('messages on unmask', await dut.messagesFor(v, () => unmaskAndWait(dut, v)), 1);
      ev.guest.expect('PBA after unmask', await dut.msix.pendingBits(), noPending(dut));
    },
  },
  {
    slug: 'function-mask-pends',
    title: 'Function Mask pends an unmasked vector; clearing it sends exactly one message, and only if the entry is unmasked too (counted, the clock run)',
    pins: ['C15'],
    dut: COUNTED,
    async body({ dut, ev }) {
      const v = dut.msix.vectors - 1;
      await dut.resetDevice();
      await dut.msix.enableWithFunctionMask();
      ev.guest.expect('Enable and Function Mask set together', await controlBits(dut), [true, true]);
      await dut.msix.unmask(v);
      ev.guest.expect('messages from a fire under Function Mask', await messagesPerFire(dut, v), 0);
      ev.guest.expect('PBA under Function Mask', await dut.msix.pendingBits(), onlyPending(dut, v));
      ev.guest.expect('messages when Function Mask clears (entry unmasked)', await dut.messagesFor(v, () => setFunctionMaskAndWait(dut, false)), 1);
      ev.guest.expect('PBA after clearing Function Mask', await dut.msix.pendingBits(), noPending(dut));
      // Masked twice over: clearing one mask must not release the message.
      await dut.msix.setFunctionMask(true);
      await dut.msix.mask(v);
      const released = await dut.messagesFor(v, async () => {
        await dut.fire(v);
        await setFunctionMaskAndWait(dut, false);
      });
      ev.guest.expect('messages when Function Mask clears but the entry is masked', released, 0);
      ev.guest.expect('PBA while the entry is still masked', await dut.msix.pendingBits(), onlyPending(dut, v));
      ev.guest.expect('messages on entry unmask', await dut.messagesFor(v, () => unmaskAndWait(dut, v)), 1);
      ev.guest.expect('PBA at the end', await dut.msix.pendingBits(), noPending(dut));
    },
  },
  {
    slug: 'rewrite-while-masked',
    title: 'address and data rewritten while masked take effect on unmask',
    pins: ['C15'],
    async body({ dut, ev }) {
      const v = 0;
      const other = dut.msix.vectors; // a mailbox slot no vector uses
      await dut.resetDevice();
      await dut.msix.enable();
      await dut.route(v);
      await dut.fire(v);
      await dut.settle();
      await dut.mailbox.arm(other);
      await dut.msix.program(v, dut.mailbox.message(other));
      await dut.msix.unmask(v);
      await dut.settle();
      ev.guest.expect('old address written', await dut.mailbox.read(v), 0);
      ev.guest.expect('new address got the new data', await dut.mailbox.delivered(other), true);
      const e = await dut.msix.entry(v);
      ev.guest.expect('entry reads back the rewrite', { address: e.address, data: e.data }, { address: BigInt(dut.mailbox.message(other).address), data: dut.mailbox.message(other).data });
    },
  },
  {
    slug: 'pba-writes-ignored',
    title: 'writes to the PBA are ignored (logged as a guest error on 10.0+)',
    pins: ['C15'],
    dut: { guestErrors: true },
    async body({ dut, ev, build }) {
      const v = 0;
      await dut.resetDevice();
      await dut.msix.enable();
      await dut.route(v);
      await dut.msix.writePba(0, 0xffffffff);
      ev.guest.expect('PBA after writing ones with nothing pending', await dut.msix.pendingBits(), noPending(dut));
      await dut.fire(v);
      await dut.settle();
      await dut.msix.writePba(0, 0);
      ev.guest.expect('PBA after writing zero over a pending bit', await dut.msix.pendingBits(), onlyPending(dut, v));
      await dut.msix.unmask(v);
      await dut.settle();
      ev.guest.expect('the pending message is still delivered', await dut.mailbox.delivered(v), true);
      ev.qemu.expectPerTrait('PBA write logged as guest error', PBA_WRITE_LOG.test(dut.stderr()), build.traits.pbaWriteLogged, (logged) => logged);
    },
  },
  {
    slug: 'qword-table-writes',
    title: 'an entry written with two 8-byte accesses reads back and delivers (5.1+)',
    pins: ['C15'],
    async body({ dut, ev, build }) {
      const v = dut.msix.vectors - 1;
      const msg = dut.mailbox.message(v);
      await dut.resetDevice();
      await dut.msix.enable();
      await dut.mailbox.arm(v);
      await dut.msix.writeEntryQword(v, 0, BigInt(msg.address));
      await dut.msix.writeEntryQword(v, 1, BigInt(msg.data)); // vector control 0: unmasked
      const e = await dut.msix.entry(v);
      const qword = build.traits.qwordTableAccess;
      ev.guest.expectPerTrait('entry after qword writes', { address: e.address, data: e.data, masked: e.masked }, qword, (accepted) => (accepted ? { address: BigInt(msg.address), data: msg.data, masked: false } : { address: 0n, data: 0, masked: true }));
      await dut.fire(v);
      ev.guest.expectPerTrait('delivered to the address the qwords wrote', await dut.mailbox.delivered(v), qword, (accepted) => accepted);
    },
  },
  {
    slug: 'held-cause-across-msix-enable',
    title: 'a cause held back by interrupt moderation while MSI-X is off, then MSI-X enabled and a new cause raised: QEMU keeps running, through the moderation timers that fall due after',
    pins: ['C15'],
    skipReason: ({ device }) => (device.interruptModeration ? undefined : `the ${device.name} plugin has no interrupt moderation to hold a cause back`),
    async body({ dut, ev }) {
      await dut.resetDevice();
      await dut.holdCause();
      await dut.msix.enable();
      // The timers armed before the enable fire after it (under KVM the clock runs all along): they are part of the case.
      ev.qemu.expect(SYMPTOMS.qemuAfterEnableAndNewCause, await dut.survives(async () => {
        await dut.raiseCause();
        await dut.letTimePass();
      }), 'running');
    },
  },
  {
    slug: 'system-reset-clears',
    title: 'QMP system_reset clears Enable, Function Mask, the table and the PBA, and masks every entry',
    pins: ['C15'],
    async body({ dut, ev }) {
      const [a, b] = [0, dut.msix.vectors - 1];
      await dut.resetDevice();
      await dut.msix.enable();
      await dut.route(a);
      await dut.msix.unmask(a);
      await dut.route(b);
      await dut.fire(b); // pending on masked b
      await dut.msix.setFunctionMask(true);
      await dut.settle();
      ev.guest.expect('PBA before reset', await dut.msix.pendingBits(), onlyPending(dut, b));
      await dut.machineReset();
      const ctl = await dut.msix.control();
      ev.guest.expect('Enable after reset', ctl.enabled, false);
      ev.guest.expect('Function Mask after reset', ctl.functionMasked, false);
      const entries = await dut.msix.entries();
      ev.guest.expect('entries masked after reset', entries.map((e) => e.masked), entries.map(() => true));
      ev.guest.expect('entries zero after reset', entries.map((e) => [e.address, e.data]), entries.map(() => [0n, 0]));
      ev.guest.expect('PBA after reset', await dut.msix.pendingBits(), noPending(dut));
    },
  },
  {
    slug: 'msi-msix-switching',
    title: 'MSI -> MSI-X -> MSI: each mode delivers through its own message only',
    pins: ['C15'],
    skipReason: ({ device }) => (device.interruptModes.includes('msi') ? undefined : `the ${device.name} plugin fires MSI-X only (no plain MSI path)`),
    async body({ dut, ev }) {
      const msiSlot = MSI_SLOT;
      const v = 0;
      const slots = async () => [await dut.mailbox.delivered(msiSlot), await dut.mailbox.delivered(v)];
      const armBoth = async () => {
        await dut.mailbox.arm(msiSlot);
        await dut.mailbox.arm(v);
      };
      await dut.resetDevice();
      await dut.enableMsi();
      await armBoth();
      await dut.fire(0);
      await dut.settle();
      ev.guest.expect('MSI mode: [MSI slot, MSI-X slot] delivered', await slots(), [true, false]);
      // Quiesce before switching, as a driver would: QEMU 7.2's e1000e aborts
      // if a throttling timer armed in one mode is flushed in the other.
      await dut.resetDevice();
      await dut.msi!.disable();
      await dut.msix.enable();
      await dut.route(v);
      await dut.msix.unmask(v);
      await armBoth();
      await dut.fire(v);
      await dut.settle();
      ev.guest.expect('MSI-X mode: [MSI slot, MSI-X slot] delivered', await slots(), [false, true]);
      await dut.resetDevice();
      await dut.msix.disable();
      await dut.enableMsi();
      await armBoth();
      await dut.fire(0);
      await dut.settle();
      ev.guest.expect('back to MSI: [MSI slot, MSI-X slot] delivered', await slots(), [true, false]);
      ev.guest.expect('MSI-X Enable stayed clear', (await dut.msix.control()).enabled, false);
    },
  },
  {
    slug: 'migration-keeps-msix-state',
    title: 'migrated with MSI-X live: Enable, Function Mask, every entry and the PBA arrive unchanged; a vector pending before is delivered once on unmask after the load, not before',
    pins: ['C15', 'C16'],
    migrates: true,
    skipReason: ({ device }) => (device.migratable === false ? `QEMU's ${device.name} cannot be migrated (unmigratable device)` : undefined),
    async body({ dut, ev }) {
      const live = 0;
      const pending = dut.msix.vectors - 1;
      await dut.enableAllMasked();
      for (let v = 0; v < dut.msix.vectors; v++) await dut.route(v);
      await dut.msix.unmask(live);
      await dut.fire(pending);
      await dut.settle();
      ev.guest.require('PBA before migration', await dut.msix.pendingBits(), onlyPending(dut, pending));
      const state = async () => ({ control: await dut.msix.control(), entries: await dut.msix.entries(), pba: await dut.msix.pendingBits() });
      const before = await state();
      await dut.mailbox.arm(pending);
      await dut.migrate();
      const after = await state();
      ev.guest.expect('Enable and Function Mask after migration', after.control, before.control);
      ev.guest.expect('table entries (address, data, mask) after migration', after.entries, before.entries);
      ev.guest.expect('PBA after migration', after.pba, before.pba);
      await dut.settle();
      ev.guest.expect('pending vector delivered by the load itself', await dut.mailbox.delivered(pending), false);
      await dut.msix.unmask(pending);
      await dut.settle();
      ev.guest.expect('pending vector delivered on unmask after the load', await dut.mailbox.delivered(pending), true);
      await dut.mailbox.arm(pending);
      await dut.settle();
      ev.guest.expect('delivered again without a new fire', await dut.mailbox.delivered(pending), false);
      ev.guest.expect('PBA after the unmask', await dut.msix.pendingBits(), noPending(dut));
      ev.guest.expect('the live vector delivers once per fire on the destination', await mailboxMessages(dut, live), 1);
    },
  },
];

export const emulatedSuite: SuiteSpec = { name: 'emulated', kind: 'emulated', module: import.meta.url, cases: [...cases, ...lifecycleCases, ...deviceWorkCases, ...sriovCases, ...interruptRemappingCases] };
