/**
 * Interrupts the device's own work names (catalog C20): where a plugin can
 * make the device's work name a vector (nvme: a completion queue's
 * interrupt vector), one past the MSI-X table must be refused by the device
 * with an error, QEMU must stay up, and the device must still send one
 * message per fire afterwards.
 */
import { NotApplicable, SYMPTOMS, type BeyondTableAnswer, type EmulatedCase } from '../../harness/case/index.js';

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
];
