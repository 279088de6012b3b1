/** Checks that a QEMU process and its private folder are really gone. */
import fs from 'node:fs';

export function processAlive(pid: number): boolean {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'latin1');
    return !/^\d+ \(.*\) Z/.test(stat);
  } catch {
    return false;
  }
}

export async function waitGone(pid: number, dir: string, timeoutMs: number): Promise<{ processLeft: boolean; dirLeft: boolean }> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const state = { processLeft: processAlive(pid), dirLeft: fs.existsSync(dir) };
    if ((!state.processLeft && !state.dirLeft) || Date.now() > deadline) return state;
    await new Promise((r) => setTimeout(r, 25));
  }
}

/** How many live processes have every one of `parts` in their command line. */
export function processesWhoseCommandLineHas(...parts: string[]): number {
  return fs.readdirSync('/proc').filter((p) => {
    if (!/^\d+$/.test(p)) return false;
    try {
      const cmdline = fs.readFileSync(`/proc/${p}/cmdline`, 'latin1');
      return parts.every((part) => cmdline.includes(part));
    } catch {
      return false;
    }
  }).length;
}
