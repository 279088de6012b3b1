/**
 * Interrupts the device's own work names (catalog C20): where a plugin can
 * make the device's work name a vector (nvme: a completion queue's
 * interrupt vector), one past the MSI-X table must be refused by the device
 * with an error, QEMU must stay up, and the device must still send one
 * message per fire afterwards (C20). Work told to use no vector, and a
 * queue torn down while its vector is live, send nothing (C24). Sources
 * the device enables itself, enabled before MSI-X, still signal (C26).
 */
import { NotApplicable, SYMPTOMS, type BeyondTableAnswer, type EmulatedCase } from '../../harness/case/index.js';

/** Pieces of work in a row: past twice the depth of the plugins' smallest rings (nvme's I/O queues hold 4). */
const REPEATED_WORK = 10;

export const deviceWorkCases: EmulatedCase[] = [
  {
    slug: 'vector-beyond-table-refused',
    title: "the device's own work asked to use the vector one past its MSI-X table (nvme: a completion queue's IV): the device refuses with an error, QEMU stays up, and one fire still sends one message",
    pins: ['C20'],
    dut: { counters: 1 },
    records: [SYMPTOMS.messagesForOneCause],
    async body({ dut, ev }) {
      if (!dut.canNameVectorBeyondTable) throw new NotApplicable(`the ${dut.plugin.name} plugin has no work that names an interrupt vector`);
      await dut.enableAllMasked();
      let answer: BeyondTableAnswer | undefined;
      ev.qemu.expect(SYMPTOMS.qemuAfterVectorBeyondTable, await dut.survives(async () => void (answer = await dut.nameVectorBeyondTable())), 'running');
      if (!answer) return;
      ev.qemu.note(answer.asked, answer.answer);
      ev.guest.expect(`${answer.asked}: refused by the device`, answer.refused, true);
      const v = dut.msix.vectors - 1;
      await dut.enableAllMasked();
      await dut.msix.unmask(v);
      ev.guest.expect(`${SYMPTOMS.messagesForOneCause}, vector ${v} afterwards`, await dut.messagesFor(v, () => dut.fire(v)), 1);
    },
  },
  {
    slug: 'no-vector-sends-nothing',
    title: 'work the device was told to signal on no vector (virtio: VIRTIO_MSI_NO_VECTOR) sends no message on any vector, QEMU stays up, and one fire still sends one message',
    pins: ['C24'],
    dut: { counters: 1 },
    records: [SYMPTOMS.messagesForOneCause],
    async body({ dut, ev }) {
      if (!dut.canFireWithoutVector) throw new NotApplicable(`the ${dut.plugin.name} plugin has no work that is told its vector`);
      await dut.enableAllMasked();
      // Every entry on the counter and unmasked: a message on any vector counts.
      for (let v = 0; v < dut.msix.vectors; v++) {
        await dut.countOn(v);
        await dut.msix.unmask(v);
      }
      let what = '';
      ev.qemu.expect('QEMU after work with no vector', await dut.survives(async () => void (what = await dut.fireWithoutVector())), 'running');
      await dut.settle();
      ev.guest.note('work', what);
      ev.guest.expect('messages on any vector for work with no vector', await dut.counter().count(), 0);
      const v = dut.msix.vectors - 1;
      ev.guest.expect(`${SYMPTOMS.messagesForOneCause}, vector ${v} afterwards`, await dut.messagesFor(v, () => dut.fire(v)), 1);
    },
  },
  {
    slug: 'queue-deleted-with-vector-live',
    title: "a queue deleted while its vector is live (unmasked, one message delivered): the teardown sends nothing on the vector, leaves nothing pending, QEMU stays up, and the queue made again sends one message per fire",
    pins: ['C24'],
    dut: { counters: 1 },
    records: [SYMPTOMS.messagesForOneCause],
    async body({ dut, ev }) {
      if (!dut.canDeleteQueues) throw new NotApplicable(`the ${dut.plugin.name} plugin cannot delete the device's queues`);
      const v = dut.msix.vectors - 1;
      await dut.enableAllMasked();
      await dut.msix.unmask(v);
      ev.guest.require(`${SYMPTOMS.messagesForOneCause}, vector ${v} before`, await dut.messagesFor(v, () => dut.fire(v)), 1);
      let what = '';
      let sent = -1;
      ev.qemu.expect('QEMU after the queue was deleted', await dut.survives(async () => void (sent = await dut.messagesFor(v, async () => void (what = await dut.deleteQueuesOf(v))))), 'running');
      ev.guest.note('deleted', what);
      ev.guest.expect(`messages on vector ${v} for deleting its queue`, sent, 0);
      ev.guest.expect(`vector ${v} pending after its queue was deleted`, (await dut.msix.pendingBits())[v], false);
      ev.guest.expect(`${SYMPTOMS.messagesForOneCause}, vector ${v} on the queue made again`, await dut.messagesFor(v, () => dut.fire(v)), 1);
    },
  },
  {
    slug: 'queue-work-signals-its-vector',
    title: "a queue told its own vector (virtio: queue_msix_vector; e1000e: IVAR's TX queue 0 entry) signals exactly that vector once per piece of work, for every vector of the table, and nothing on the others; told VIRTIO_MSI_NO_VECTOR (e1000e: no valid entry), it signals nothing at all",
    pins: ['C24'],
    dut: { counters: 2 },
    records: [SYMPTOMS.messagesForOneCause],
    async body({ dut, ev }) {
      if (!dut.canDoQueueWork) throw new NotApplicable(`the ${dut.plugin.name} plugin has no queue work`);
      const n = dut.msix.vectors;
      await dut.enableAllMasked();
      for (let v = 0; v < n; v++) await dut.msix.unmask(v);
      for (let v = 0; v < n; v++) {
        // Vector v on counter 0, every other on counter 1.
        for (let u = 0; u < n; u++) await dut.msix.program(u, dut.counter(u === v ? 0 : 1).message(u));
        await dut.counter(0).zero();
        await dut.counter(1).zero();
        const what = await dut.queueWork(v);
        await dut.settle();
        if (v === 0) ev.guest.note('work', what);
        ev.guest.expect(`${SYMPTOMS.messagesForOneCause}, queue work on vector ${v}`, await dut.counter(0).count(), 1);
        ev.guest.expect(`messages on the other vectors, queue work on vector ${v}`, await dut.counter(1).count(), 0);
      }
      for (let u = 0; u < n; u++) await dut.msix.program(u, dut.counter(0).message(u));
      await dut.counter(0).zero();
      await dut.queueWork(undefined);
      await dut.settle();
      ev.guest.expect('messages on any vector for queue work with no vector', await dut.counter(0).count(), 0);
    },
  },
  {
    slug: 'every-completion-signals-once',
    title: "the device's work done many times in a row on one vector (nvme: completions past the end of its 4-entry I/O CQ, the phase flipping; virtio-net: link changes; the NICs: their cause raised again): every piece of work sends exactly one message, counted with the clock run after each",
    pins: ['C24', 'C17'],
    dut: { counters: 1 },
    records: [SYMPTOMS.messagesForOneCause],
    async body({ dut, ev }) {
      if (dut.plugin.contractOnly) throw new NotApplicable(`no plugin makes ${dut.plugin.name} fire`);
      const v = dut.msix.vectors - 1;
      await dut.enableAllMasked();
      await dut.msix.unmask(v);
      const counts: number[] = [];
      for (let i = 0; i < REPEATED_WORK; i++) counts.push(await dut.messagesFor(v, () => dut.fire(v)));
      // Each count on its own, so that one extra message is matched wherever it comes.
      for (const [i, n] of counts.entries()) if (n !== 1) ev.guest.expect(`${SYMPTOMS.messagesForOneCause}, vector ${v}, work ${i + 1} of ${REPEATED_WORK}`, n, 1);
      ev.guest.expect(`messages for ${REPEATED_WORK} pieces of work on vector ${v}, one by one`, counts, counts.map(() => 1));
    },
  },
  {
    slug: 'sources-enabled-before-msix',
    title: "the device's own interrupt sources enabled before MSI-X Enable (xhci: every interrupter's IMAN.IE with its event ring), then MSI-X enabled and every vector unmasked: work on the first and the last source sends one message each, nothing left pending",
    pins: ['C26'],
    dut: { counters: 1 },
    records: [SYMPTOMS.messagesForOneCause],
    async body({ dut, ev }) {
      if (!dut.canEnableSourcesBeforeMsix) throw new NotApplicable(`the ${dut.plugin.name} plugin has no interrupt sources of its own to enable`);
      await dut.resetDevice();
      await dut.msix.disable();
      let what = '';
      ev.qemu.expect('QEMU after the sources were enabled with MSI-X off', await dut.survives(async () => void (what = await dut.sourcesBeforeMsix())), 'running');
      ev.guest.note('before MSI-X Enable', what);
      await dut.msix.enable();
      for (let v = 0; v < dut.msix.vectors; v++) {
        await dut.countOn(v);
        await dut.msix.unmask(v);
      }
      for (const v of [0, dut.msix.vectors - 1]) {
        ev.guest.expect(`${SYMPTOMS.messagesForOneCause}, vector ${v}, its source enabled before MSI-X`, await dut.messagesFor(v, () => dut.fire(v)), 1);
        ev.guest.expect(`vector ${v} pending afterwards`, (await dut.msix.pendingBits())[v], false);
      }
    },
  },
  {
    slug: 'full-queue-signals',
    title: "a submission queue filled to the last free entry in one doorbell write (nvme: depth - 1 commands): QEMU stays up, every command completes, the completions are signalled (the specification lets a controller aggregate them, so one message or more), nothing is left pending, nothing arrives once the queue is drained, and one fire still sends one message",
    pins: ['C24'],
    dut: { counters: 1 },
    records: [SYMPTOMS.messagesForOneCause],
    async body({ dut, ev }) {
      if (!dut.canFillQueue) throw new NotApplicable(`the ${dut.plugin.name} plugin has no submission queue to fill`);
      const v = dut.msix.vectors - 1;
      await dut.enableAllMasked();
      await dut.countOn(v);
      await dut.msix.unmask(v);
      let filled: { what: string; completions: number } | undefined;
      let sent = 0;
      ev.qemu.expect('QEMU after a full queue', await dut.survives(async () => void (sent = await dut.messagesFor(v, async () => void (filled = await dut.fillQueue(v))))), 'running');
      if (!filled) return;
      ev.guest.note('queue', `${filled.what}: ${filled.completions} completions, ${sent} message(s)`);
      ev.guest.expect(`completions of a full queue signalled on vector ${v} (at least one message, at most one per completion)`, sent >= 1 && sent <= filled.completions, true);
      ev.guest.expect(`vector ${v} pending after the full queue was drained`, (await dut.msix.pendingBits())[v], false);
      ev.guest.expect(`messages on vector ${v} once the full queue was drained, with the clock run`, await dut.messagesFor(v, () => dut.letTimePass()), 0);
      ev.guest.expect(`${SYMPTOMS.messagesForOneCause}, vector ${v} after the full queue`, await dut.messagesFor(v, () => dut.fire(v)), 1);
    },
  },
  {
    slug: 'queue-vector-changed-with-work',
    title: "a queue pointed at another vector while it has work (virtio: queue_msix_vector rewritten after the buffer was made available, before the notify): the work is signalled once on the new vector and not at all on the old one",
    pins: ['C24'],
    dut: { counters: 2 },
    records: [SYMPTOMS.messagesForOneCause],
    async body({ dut, ev }) {
      if (!dut.canRetargetQueueWork) throw new NotApplicable(`the ${dut.plugin.name} plugin cannot point a queue at another vector while it has work`);
      const [from, to] = [0, dut.msix.vectors - 1];
      await dut.enableAllMasked();
      for (let u = 0; u < dut.msix.vectors; u++) {
        await dut.msix.program(u, dut.counter(u === to ? 0 : 1).message(u));
        await dut.msix.unmask(u);
      }
      await dut.counter(0).zero();
      await dut.counter(1).zero();
      ev.guest.note('work', await dut.retargetQueueWork(from, to));
      await dut.settle();
      ev.guest.expect(`${SYMPTOMS.messagesForOneCause}, on the new vector ${to}`, await dut.counter(0).count(), 1);
      ev.guest.expect(`messages on the old vector ${from} (and every other)`, await dut.counter(1).count(), 0);
    },
  },
];
