/**
 * On SIGINT/SIGTERM the harness stops every QEMU it started and removes their
 * folders, and puts devices it bound to vfio-pci back, before exiting; on
 * any exit, the same. (SIGKILL cannot be caught:
 * the janitor covers that.)
 */
import { restoreAllBindingsNow } from '../host/vfio-binding.js';
import { killAllQemuNow, liveQemuCount } from '../qemu/qemu-process.js';
import { ExitCode } from './exit-codes.js';

export function cleanUpOnSignals(): void {
  const on = (signal: NodeJS.Signals, code: number) =>
    process.on(signal, () => {
      const n = liveQemuCount();
      killAllQemuNow();
      const restored = restoreAllBindingsNow();
      process.stderr.write(`\nmsix-harness: ${signal}: stopped ${n} QEMU process(es) and removed their folders${restored ? `; put ${restored} device(s) back on their drivers` : ''}\n`);
      process.exit(code);
    });
  on('SIGINT', ExitCode.INTERRUPTED);
  on('SIGTERM', ExitCode.TERMINATED);
  process.on('exit', () => {
    killAllQemuNow();
    restoreAllBindingsNow();
  });
}
