/** Moving a device under test to another QEMU by migration: the state saved and loaded through a file, the parts assembled again there. */
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { DevicePlugin } from '../devices/device-plugin.js';
import type { QemuBuild } from '../builds/qemu-build.js';
import { Machine } from '../qemu/machine.js';
import { assemble, machineConfig, type DutOptions, type Parts } from './dut-assembly.js';

/**
 * Migrate the running device under test into a fresh QEMU of `to` (default
 * the same build), through a state file: the old QEMU saves and is shut
 * down, the new one loads, and the parts on the new one come back. A
 * destination that refuses the state fails with QEMU's own error.
 */
export async function migrateParts(from: Parts, plugin: DevicePlugin, opts: DutOptions, to: QemuBuild, retire: (shutdown: Promise<unknown>) => void): Promise<Parts> {
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'msix-harness-migration-'));
  try {
    const file = path.join(dir, 'state');
    // The destination starts while the source saves: it waits for the stream (-incoming defer) anyway.
    const [saved, started] = await Promise.allSettled([from.machine.migrateOut(file), Machine.launch(to, { ...machineConfig(to, plugin, opts), incoming: true })]);
    if (started.status === 'rejected') throw saved.status === 'rejected' ? saved.reason : started.reason;
    const machine = started.value;
    if (saved.status === 'rejected') {
      await machine.shutdown();
      throw saved.reason;
    }
    // The source has nothing more to say: it stops while the destination loads (Dut.shutdown waits for it).
    retire(from.machine.shutdown());
    try {
      await machine.migrateIn(file);
      return await assemble(machine, to, plugin, opts, from.fn);
    } catch (e) {
      // The runner shuts down the Dut's machine: until the new one is complete, that is the old, stopped one.
      await machine.shutdown();
      throw e;
    }
  } finally {
    await fs.rm(dir, { recursive: true, force: true });
  }
}
