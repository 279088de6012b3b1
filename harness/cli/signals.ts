/**
 * On SIGINT/SIGTERM the harness stops every QEMU it started and removes their
 * folders before exiting; on any exit, the same. (SIGKILL cannot be caught:
 * the janitor covers that.)
 */
import { killAllQemuNow, liveQemuCount } from '../qemu/qemu-process.js';
import { ExitCode } from './exit-codes.js';

export function cleanUpOnSignals(): void {
  const on = (signal: NodeJS.Signals, code: number) =>
    process.on(signal, () => {
      const n = liveQemuCount();
      killAllQemuNow();
      process.stderr.write(`\nmsix-harness: ${signal}: stopped ${n} QEMU process(es) and removed their folders\n`);
      process.exit(code);
    });
  on('SIGINT', ExitCode.INTERRUPTED);
  on('SIGTERM', ExitCode.TERMINATED);
  process.on('exit', killAllQemuNow);
}
