/** Steps several vfio cases share: fires the host counts, masked fires, an unmask that delivers once. */
import { type VfioCaseContext, type Dut } from '../../harness/case/index.js';

export const lastPbaTrace = (dut: Dut) => dut.traces('vfio_msix_pba_').at(-1)?.name;

/** Fire v and wait for the host line to count it (a fire the guest holds back still reaches the host). Returns the count before. */
export async function hostCountedFire({ dut, host }: VfioCaseContext, v: number): Promise<number | undefined> {
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
export async function maskedFire(ctx: VfioCaseContext, v: number): Promise<number | undefined> {
  const { dut, ev } = ctx;
  await dut.liveVector(v);
  await dut.msix.mask(v);
  await dut.mailbox.arm(v);
  const before = await hostCountedFire(ctx, v);
  ev.guest.expect('guest delivery while masked', await dut.mailbox.delivered(v), false);
  return before;
}

/** Unmask a pending vector v: one delivery, no second, and its PBA bit clear. */
export async function unmaskDeliversOnce({ dut, ev }: VfioCaseContext, v: number): Promise<void> {
  await dut.msix.unmask(v);
  await dut.waitDelivered(v);
  await dut.mailbox.arm(v);
  await dut.settle();
  ev.guest.expect('second delivery after unmask', await dut.mailbox.delivered(v), false);
  ev.guest.expect('guest PBA bit after unmask', await dut.msix.pending(v), false);
}
