/**
 * Which cache entries are in use, and when each was last used: what `cache`
 * lists and what `cache prune` must leave alone. A running harness holds a
 * marker in each entry it uses (`.users/PID-START`), removed when it exits;
 * a marker whose process is gone counts for nothing.
 */
import fs from 'node:fs';
import path from 'node:path';
import { processStart } from '../process-start.js';

export const LAST_USE = '.last-use';
const USERS = '.users';
const held = new Set<string>();
let hooked = false;

/** Mark `entry` (a cache folder) used now, and in use by this process until it exits. Never throws: a read-only cache still works. */
export function noteUse(entry: string): void {
  try {
    fs.writeFileSync(path.join(entry, LAST_USE), new Date().toISOString() + '\n');
    const mine = path.join(entry, USERS, `${process.pid}-${processStart(process.pid) ?? ''}`);
    if (held.has(mine)) return;
    fs.mkdirSync(path.dirname(mine), { recursive: true });
    fs.writeFileSync(mine, '');
    held.add(mine);
    if (!hooked) {
      hooked = true;
      process.on('exit', () => held.forEach((f) => fs.rmSync(f, { force: true })));
    }
  } catch {
    /* best effort */
  }
}

/** The live harness processes using `entry`. */
export function usersOf(entry: string): number[] {
  let names: string[];
  try {
    names = fs.readdirSync(path.join(entry, USERS));
  } catch {
    return [];
  }
  return names.flatMap((n) => {
    const [pid, start] = n.split('-');
    return processStart(Number(pid)) === start ? [Number(pid)] : [];
  });
}

/** When `entry` was last used: its marker, else its own modification time. */
export function lastUse(entry: string): Date {
  for (const p of [path.join(entry, LAST_USE), entry]) {
    try {
      return fs.statSync(p).mtime;
    } catch {
      /* next */
    }
  }
  return new Date(0);
}
