/**
 * On SIGINT/SIGTERM the harness stops every QEMU it started and removes their
 * folders, puts devices it bound to vfio-pci back, and runs what commands
 * registered (bisect resets the tree), before exiting; on any exit, the
 * same. (SIGKILL cannot be caught: the janitor covers QEMU then.)
 */
import { restoreAllBindingsNow } from '../host/vfio-binding.js';
import { killAllQemuNow, liveQemuCount } from '../qemu/qemu-process.js';
import { ExitCode } from './exit-codes.js';

/** Synchronous clean-ups, each run once, newest first. */
const cleanups: { what: string; run: () => void }[] = [];

export function onExitCleanup(what: string, run: () => void): () => void {
  const entry = { what, run };
  cleanups.push(entry);
  return () => {
    const i = cleanups.indexOf(entry);
    if (i >= 0) cleanups.splice(i, 1);
  };
}

function runCleanups(): string[] {
  const done: string[] = [];
  while (cleanups.length) {
    const c = cleanups.pop()!;
    try {
      c.run();
      done.push(c.what);
    } catch (e) {
      process.stderr.write(`msix-harness: ${c.what} failed: ${(e as Error).message}\n`);
    }
  }
  return done;
}

export function cleanUpOnSignals(): void {
  const on = (signal: NodeJS.Signals, code: number) =>
    process.on(signal, () => {
      const n = liveQemuCount();
      killAllQemuNow();
      const restored = restoreAllBindingsNow();
      const done = runCleanups();
      process.stderr.write(`\nmsix-harness: ${signal}: stopped ${n} QEMU process(es) and removed their folders${restored ? `; put ${restored} device(s) back on their drivers` : ''}${done.length ? `; ${done.join('; ')}` : ''}\n`);
      process.exit(code);
    });
  on('SIGINT', ExitCode.INTERRUPTED);
  on('SIGTERM', ExitCode.TERMINATED);
  process.on('exit', () => {
    killAllQemuNow();
    restoreAllBindingsNow();
    runCleanups();
  });
}
