/**
 * QEMUs kept between cases: a case whose device can be hot-plugged takes a
 * running QEMU of the same build and configuration, with its slot empty,
 * plugs its device in, and at its end unplugs it and gives the QEMU back.
 * QEMU start and shutdown were most of a vfio case's time in the box
 * (bench --only time). A QEMU that a case killed, reset, migrated or left
 * in doubt is never given back (Dut.shutdown decides).
 */
import type { Machine } from '../qemu/machine.js';

export class MachinePool {
  private readonly idle = new Map<string, Machine[]>();
  private readonly cold = new Set<string>();
  private closed = false;

  /** Whether this build would not hot-plug this device (refuse): its cases start QEMUs of their own. */
  refused(build: { readonly sha256: string }, device: { readonly name: string }): boolean {
    return this.cold.has(`${build.sha256} ${device.name}`);
  }

  refuse(build: { readonly sha256: string }, device: { readonly name: string }): void {
    this.cold.add(`${build.sha256} ${device.name}`);
  }

  /** An idle QEMU for `key` that still runs, if any. */
  take(key: string): Machine | undefined {
    const list = this.idle.get(key);
    for (let m = list?.pop(); m; m = list?.pop()) {
      if (!m.proc.exitStatus) return m;
    }
    return undefined;
  }

  /** Keep `m` for the next case with `key`; after drain, shut it down instead. */
  async give(key: string, m: Machine): Promise<void> {
    if (this.closed) {
      await m.shutdown();
      return;
    }
    const list = this.idle.get(key) ?? [];
    list.push(m);
    this.idle.set(key, list);
  }

  /** Shut down the kept QEMUs of one binary (its cases are over): a run over many builds holds one build's QEMUs at a time. */
  async release(binary: string): Promise<void> {
    const gone = [...this.idle.values()].flat().filter((m) => m.build.binary === binary);
    for (const [key, list] of this.idle) {
      const keep = list.filter((m) => !gone.includes(m));
      if (keep.length) this.idle.set(key, keep);
      else this.idle.delete(key);
    }
    await Promise.all(gone.map((m) => m.shutdown()));
  }

  /** Shut every kept QEMU down (at the end of a run). */
  async drain(): Promise<void> {
    this.closed = true;
    const all = [...this.idle.values()].flat();
    this.idle.clear();
    await Promise.all(all.map((m) => m.shutdown()));
  }
}
