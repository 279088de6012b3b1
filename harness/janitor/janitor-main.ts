/**
 * The janitor: a detached process that outlives the harness. The harness
 * tells it, over its stdin, which QEMU processes, folders and device
 * bindings are live; when that pipe closes (the harness exited, crashed or
 * was SIGKILLed) it kills what is still registered, then puts the devices
 * back from their journal entries (QEMU must be gone first: it holds the
 * vfio device), then removes the folders. Deliberately tiny.
 *
 * Protocol: lines "+pid PID DIR", "-pid PID", "+dir DIR", "-dir DIR",
 * "+jnl FILE", "-jnl FILE".
 */
import fs from 'node:fs';
import { readJournal, restoreBinding, forgetBinding } from './binding-journal.js';

const pids = new Map<number, string>();
const dirs = new Set<string>();
const journals = new Set<string>();
let buf = '';

process.stdin.setEncoding('utf8');
process.stdin.on('data', (chunk: string) => {
  buf += chunk;
  let nl: number;
  while ((nl = buf.indexOf('\n')) !== -1) {
    const line = buf.slice(0, nl);
    buf = buf.slice(nl + 1);
    // Folder names may hold spaces: they are always the rest of the line.
    const verb = line.slice(0, 4);
    const rest = line.slice(5);
    if (verb === '+pid') {
      const sp = rest.indexOf(' ');
      if (sp > 0) pids.set(Number(rest.slice(0, sp)), rest.slice(sp + 1));
    } else if (verb === '-pid') pids.delete(Number(rest));
    else if (verb === '+dir' && rest) dirs.add(rest);
    else if (verb === '-dir' && rest) dirs.delete(rest);
    else if (verb === '+jnl' && rest) journals.add(rest);
    else if (verb === '-jnl' && rest) journals.delete(rest);
  }
});
process.stdin.on('end', cleanup);
process.stdin.on('error', cleanup);
// The harness may die by a signal to its whole process group; the janitor must not.
for (const s of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) process.on(s, () => undefined);

function cleanup(): void {
  for (const [pid, marker] of pids) {
    // Only kill a process that is still the QEMU we were told about (pids get reused).
    let cmdline = '';
    try {
      cmdline = fs.readFileSync(`/proc/${pid}/cmdline`, 'latin1');
    } catch {
      continue;
    }
    if (!cmdline.includes(marker)) continue;
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      /* already gone */
    }
  }
  const deadline = Date.now() + 3000;
  const waitGone = () => {
    const alive = [...pids.keys()].filter((p) => fs.existsSync(`/proc/${p}`) && !isZombie(p));
    if (alive.length && Date.now() < deadline) return setTimeout(waitGone, 20);
    restoreBindings();
    for (const d of dirs) fs.rmSync(d, { recursive: true, force: true });
    process.exit(0);
  };
  waitGone();
}

function restoreBindings(): void {
  if (!journals.size) return;
  for (const r of readJournal()) {
    if (!journals.has(r.file) || 'malformed' in r) continue;
    // Whatever could not be done stays in the journal, for the next start or `msix-harness restore`.
    if (!restoreBinding(r.entry, r.entry.sys, 10_000).length) forgetBinding(r.file);
  }
}

function isZombie(pid: number): boolean {
  try {
    return / Z /.test(fs.readFileSync(`/proc/${pid}/stat`, 'latin1').replace(/^.*\)/, ''));
  } catch {
    return true;
  }
}
