/** A process's start time, which tells a live process from a reused pid. */
import fs from 'node:fs';

/** Field 22 of /proc/PID/stat (start time in clock ticks since boot), or undefined when the process is gone. */
export function processStart(pid: number): string | undefined {
  try {
    return fs.readFileSync(`/proc/${pid}/stat`, 'latin1').replace(/^.*\)\s*/, '').split(' ')[19];
  } catch {
    return undefined;
  }
}
