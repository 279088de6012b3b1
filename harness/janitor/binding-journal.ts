/**
 * The binding journal. Before the harness binds a device to vfio-pci it
 * writes here what must be put back (driver, driver_override, SR-IOV VF
 * count), synced to disk, so that whoever outlives it can restore the
 * device: the janitor when the harness dies (even by SIGKILL), any later
 * msix-harness start, or `msix-harness restore` by hand.
 *
 * It lives under /run: a reboot resets every binding, and the journal with
 * it, so an entry never outlives the binding it describes.
 */
import fs from 'node:fs';
import path from 'node:path';
import { processStart } from '../process-start.js';
import { pollUntilSync } from '../poll.js';

/** What a device had before the harness touched it. */
export interface SavedBinding {
  readonly bdf: string;
  /** The driver it was bound to, or undefined when none. */
  readonly driver?: string;
  /** driver_override's content ("" when unset). */
  readonly override: string;
  /** sriov_numvfs, when the device is an SR-IOV PF. */
  readonly numVfs?: number;
}

export interface JournalEntry extends SavedBinding {
  /** The harness that bound it, and that process's start time (pids are reused). */
  readonly pid: number;
  readonly pidStart: string;
  /** The sysfs root the binding was made under (/sys, or a test's tree). */
  readonly sys: string;
}

export function journalDir(): string {
  return path.join(process.env['MSIX_HARNESS_RUN_DIR'] ?? '/run/msix-harness', 'bindings');
}

/** Record a binding about to be made; returns the entry's file. Written in full or not at all, and synced. */
export function recordBinding(saved: SavedBinding, sys: string): string {
  const dir = journalDir();
  fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
  const entry: JournalEntry = { ...saved, pid: process.pid, pidStart: processStart(process.pid) ?? '', sys };
  const file = path.join(dir, `${saved.bdf}.json`);
  const tmp = `${file}.${process.pid}.tmp`;
  const fd = fs.openSync(tmp, 'w', 0o600);
  try {
    fs.writeSync(fd, JSON.stringify(entry));
    fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
  fs.renameSync(tmp, file);
  syncDir(dir);
  return file;
}

export function forgetBinding(file: string): void {
  fs.rmSync(file, { force: true });
  syncDir(path.dirname(file));
}

export type ReadEntry = { readonly file: string; readonly entry: JournalEntry } | { readonly file: string; readonly malformed: string };

export function readJournal(): ReadEntry[] {
  const dir = journalDir();
  let names: string[];
  try {
    names = fs.readdirSync(dir).filter((n) => n.endsWith('.json'));
  } catch {
    return [];
  }
  return names.map((n) => {
    const file = path.join(dir, n);
    try {
      const e = JSON.parse(fs.readFileSync(file, 'utf8')) as JournalEntry;
      if (typeof e.bdf !== 'string' || typeof e.pid !== 'number' || typeof e.override !== 'string' || typeof e.sys !== 'string') throw new Error('missing fields');
      return { file, entry: e };
    } catch (err) {
      return { file, malformed: (err as Error).message };
    }
  });
}

/** Whether the harness that wrote the entry is gone (so nobody else will restore it). */
export function isStale(e: JournalEntry): boolean {
  const start = processStart(e.pid);
  return start === undefined || start !== e.pidStart;
}

/**
 * Put one device back as it was; synchronous, so exit handlers and the
 * janitor can call it. Returns what could not be done (empty: all of it).
 */
export function restoreBinding(saved: SavedBinding, sys: string, timeoutMs: number): string[] {
  const { bdf, driver, override, numVfs } = saved;
  const dir = path.join(sys, 'bus/pci/devices', bdf);
  const problems: string[] = [];
  const attempt = (what: string, f: () => void) => {
    try {
      f();
    } catch (e) {
      problems.push(`${what}: ${(e as Error).message}`);
    }
  };
  if (!fs.existsSync(dir)) return [`${bdf} is no longer on this host`];
  if (currentDriver(dir) === 'vfio-pci') attempt('unbind from vfio-pci', () => fs.writeFileSync(path.join(dir, 'driver', 'unbind'), bdf));
  // An empty override is cleared by writing a newline.
  attempt('restore driver_override', () => fs.writeFileSync(path.join(dir, 'driver_override'), override || '\n'));
  if (driver && currentDriver(dir) !== driver) {
    attempt(`rebind to ${driver}`, () => fs.writeFileSync(path.join(sys, 'bus/pci/drivers', driver, 'bind'), bdf));
    if (!waitDriverSync(dir, driver, timeoutMs)) problems.push(`${bdf} is on ${currentDriver(dir) ?? 'no driver'}, not ${driver}, after ${timeoutMs} ms`);
  }
  if (numVfs && Number(readTrimmed(path.join(dir, 'sriov_numvfs'))) !== numVfs) attempt(`restore sriov_numvfs=${numVfs}`, () => fs.writeFileSync(path.join(dir, 'sriov_numvfs'), String(numVfs)));
  return problems;
}

export interface Recovery {
  readonly restored: readonly string[];
  readonly failed: readonly string[];
  /** Entries of harnesses still running: theirs to restore. */
  readonly live: readonly string[];
}

/** Restore every stale entry (its harness is gone) and remove it; `pid` limits it to one harness's entries. */
export function recoverStaleBindings(opts: { pid?: number; timeoutMs?: number } = {}): Recovery {
  const restored: string[] = [];
  const failed: string[] = [];
  const live: string[] = [];
  for (const r of readJournal()) {
    if ('malformed' in r) {
      failed.push(`${r.file}: unreadable journal entry (${r.malformed}); restore that device by hand and delete the file`);
      continue;
    }
    const e = r.entry;
    if (opts.pid !== undefined && e.pid !== opts.pid) continue;
    if (opts.pid === undefined && !isStale(e)) {
      live.push(`${e.bdf} (bound by msix-harness pid ${e.pid}, still running)`);
      continue;
    }
    const problems = restoreBinding(e, e.sys, opts.timeoutMs ?? 10_000);
    const what = `${e.bdf} to ${e.driver ?? 'no driver'}${e.override ? ` (driver_override "${e.override}")` : ''}${e.numVfs ? `, sriov_numvfs ${e.numVfs}` : ''}`;
    if (problems.length) failed.push(`${what}: ${problems.join('; ')}`);
    else {
      restored.push(`${what} (left by msix-harness pid ${e.pid})`);
      forgetBinding(r.file);
    }
  }
  return { restored, failed, live };
}

export function currentDriver(deviceDir: string): string | undefined {
  try {
    fs.readlinkSync(path.join(deviceDir, 'driver'));
    return path.basename(fs.realpathSync(path.join(deviceDir, 'driver')));
  } catch {
    return undefined;
  }
}

function waitDriverSync(dir: string, want: string, timeoutMs: number): boolean {
  return pollUntilSync(() => currentDriver(dir) === want, { timeoutMs, intervalMs: 20 });
}

/** A sysfs (or proc) file's text, trimmed; undefined when it cannot be read. */
export function readTrimmed(p: string): string | undefined {
  try {
    return fs.readFileSync(p, 'utf8').trim();
  } catch {
    return undefined;
  }
}

function syncDir(dir: string): void {
  try {
    const fd = fs.openSync(dir, 'r');
    try {
      fs.fsyncSync(fd);
    } finally {
      fs.closeSync(fd);
    }
  } catch {
    /* some filesystems refuse fsync on a folder; the rename is still atomic */
  }
}
