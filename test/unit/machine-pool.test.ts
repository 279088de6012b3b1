/** The pool of kept QEMUs: what it gives back, and what release and drain shut down. */
import { expect } from 'chai';
import { MachinePool } from '../../harness/case/machine-pool.js';
import type { Machine } from '../../harness/qemu/machine.js';

/** Just what the pool asks of a machine: its binary, whether it still runs, its shutdown. */
function machine(binary: string, shut: string[], exited = false): Machine {
  return { build: { binary }, proc: { exitStatus: exited ? { code: 1 } : undefined }, shutdown: async () => void shut.push(binary) } as unknown as Machine;
}

describe('MachinePool', () => {
  it('gives a kept QEMU back only for its key, and never one that has exited', async () => {
    const shut: string[] = [];
    const pool = new MachinePool();
    await pool.give('a', machine('/qemu-a', shut, true));
    expect(pool.take('a')).to.equal(undefined);
    const m = machine('/qemu-a', shut);
    await pool.give('a', m);
    expect(pool.take('b')).to.equal(undefined);
    expect(pool.take('a')).to.equal(m);
    expect(pool.take('a')).to.equal(undefined);
  });

  it('release shuts down one binary\'s QEMUs and keeps the rest; after drain, a QEMU given back is shut down', async () => {
    const shut: string[] = [];
    const pool = new MachinePool();
    await pool.give('a1', machine('/qemu-a', shut));
    await pool.give('a2', machine('/qemu-a', shut));
    const b = machine('/qemu-b', shut);
    await pool.give('b', b);
    await pool.release('/qemu-a');
    expect(shut).to.deep.equal(['/qemu-a', '/qemu-a']);
    expect(pool.take('a1')).to.equal(undefined);
    expect(pool.take('b')).to.equal(b);
    await pool.give('b', b);
    await pool.drain();
    expect(shut).to.deep.equal(['/qemu-a', '/qemu-a', '/qemu-b']);
    await pool.give('b', machine('/qemu-b', shut));
    expect(shut).to.have.length(4);
  });
});
