/**
 * Harness side of the janitor (see janitor-main.ts): guarantees that QEMU
 * processes and private folders are removed, and devices bound to vfio-pci
 * put back (from their binding journal entries), even if the harness is
 * killed with SIGKILL, which no in-process handler can catch.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';

let child: ChildProcess | undefined;

function janitor(): ChildProcess {
  if (child) return child;
  const main = fileURLToPath(new URL('./janitor-main.js', import.meta.url));
  child = spawn(process.execPath, [main], { detached: true, stdio: ['pipe', 'ignore', 'ignore'] });
  child.unref();
  // The pipe must not keep the harness alive; it closes when the harness exits.
  (child.stdin as unknown as { unref?: () => void }).unref?.();
  child.stdin?.on('error', () => undefined);
  return child;
}

function tell(line: string): void {
  janitor().stdin?.write(line + '\n');
}

export const janitorWatch = {
  dir: (dir: string) => tell(`+dir ${dir}`),
  forgetDir: (dir: string) => tell(`-dir ${dir}`),
  /** `marker` must appear in the process's command line (the private folder does). */
  pid: (pid: number, marker: string) => tell(`+pid ${pid} ${marker}`),
  forgetPid: (pid: number) => tell(`-pid ${pid}`),
  /** A binding journal entry to restore from if the harness dies. */
  journal: (file: string) => tell(`+jnl ${file}`),
  forgetJournal: (file: string) => tell(`-jnl ${file}`),
};
