/**
 * What the cache holds, by entry: each Debian QEMU build, box kernel,
 * initramfs, build tool, QEMU source build, package-list folder, ccache and
 * logs, with its size, last use and live users; and pruning what is not
 * needed, never an entry a running harness uses.
 */
import fs from 'node:fs';
import path from 'node:path';
import { execa } from 'execa';
import { cacheRoot } from './cache-dir.js';
import { lastUse, usersOf } from './cache-use.js';
import { isScratchName, scratchPid } from './scratch-dir.js';
import { processStart } from '../process-start.js';

export interface CacheEntry {
  readonly kind: 'qemu' | 'kernel' | 'initramfs' | 'busybox' | 'build tool' | 'qemu source' | 'package lists' | 'ccache' | 'logs' | 'partial';
  readonly name: string;
  readonly path: string;
  /** Entries of one group are versions of one thing: --keep-newest counts within a group. */
  readonly group: string;
  readonly bytes: number;
  readonly lastUse: Date;
  /** Live harness processes using it. */
  readonly users: readonly number[];
}

type Found = Omit<CacheEntry, 'bytes' | 'lastUse' | 'users'>;

const dirs = (p: string) => {
  try {
    return fs.readdirSync(p, { withFileTypes: true });
  } catch {
    return [];
  }
};
const isPartial = isScratchName;
const skip = (name: string) => name.endsWith('.lock') || name.startsWith('.');

/** Versioned folders under base (each with .complete), and leftovers of killed runs. */
function versions(base: string, kind: CacheEntry['kind'], label: (v: string) => string, group: string): Found[] {
  return dirs(base).flatMap((d): Found[] => {
    const p = path.join(base, d.name);
    if (isPartial(d.name)) return [{ kind: 'partial', name: `${label(d.name)} (unfinished)`, path: p, group: `partial:${p}` }];
    if (!d.isDirectory() || skip(d.name) || !fs.existsSync(path.join(p, '.complete'))) return [];
    return [{ kind, name: label(d.name), path: p, group }];
  });
}

function find(root: string): Found[] {
  const out: Found[] = [];
  const at = (...p: string[]) => path.join(root, ...p);
  for (const s of dirs(at('debian'))) {
    if (!s.isDirectory()) continue;
    out.push(...versions(at('debian', s.name), 'qemu', (v) => `debian:${s.name} ${v}`, `debian/${s.name}`));
    if (fs.existsSync(at('debian', s.name, 'apt'))) out.push({ kind: 'package lists', name: `debian:${s.name}`, path: at('debian', s.name, 'apt'), group: `apt/debian/${s.name}` });
  }
  for (const d of dirs(at('box'))) {
    if (d.name.startsWith('kernel-')) out.push(...versions(at('box', d.name), 'kernel', (v) => `${d.name.slice('kernel-'.length)} series: ${v}`, `box/${d.name}`));
    else if (d.name === 'busybox') out.push(...versions(at('box', d.name), 'busybox', (v) => v, 'box/busybox'));
    else if (d.name === 'initramfs') {
      for (const f of dirs(at('box', 'initramfs'))) if (!skip(f.name)) out.push({ kind: 'initramfs', name: f.name, path: at('box', 'initramfs', f.name), group: `box/initramfs/${f.name.replace(/-[0-9a-f]{16}\.cpio\.gz$/, '')}` });
    } else if (d.name === 'apt') out.push({ kind: 'package lists', name: 'box', path: at('box', 'apt'), group: 'apt/box' });
  }
  for (const t of dirs(at('tools'))) if (t.isDirectory()) out.push(...versions(at('tools', t.name), 'build tool', (v) => `${t.name} ${v}`, `tools/${t.name}`));
  for (const s of dirs(at('src'))) {
    if (!s.isDirectory() || skip(s.name)) continue;
    const p = at('src', s.name);
    if (s.name === 'logs') out.push({ kind: 'logs', name: 'source builds', path: p, group: p });
    else if (s.name.startsWith('apt-')) out.push({ kind: 'package lists', name: `source ${s.name.slice(4)}`, path: p, group: p });
    else if (isPartial(s.name)) out.push({ kind: 'partial', name: `${s.name} (unfinished)`, path: p, group: `partial:${p}` });
    else out.push({ kind: 'qemu source', name: s.name, path: p, group: p });
  }
  if (fs.existsSync(at('ccache'))) out.push({ kind: 'ccache', name: 'compiler cache', path: at('ccache'), group: 'ccache' });
  for (const l of ['logs', 'bisect']) if (fs.existsSync(at(l))) out.push({ kind: 'logs', name: l, path: at(l), group: l });
  return out;
}

/** Every entry, with sizes (du), last use and users. */
export async function listCache(root = cacheRoot()): Promise<CacheEntry[]> {
  const found = find(root);
  const sizes = new Map<string, number>();
  if (found.length) {
    const r = await execa('du', ['-sb', ...found.map((f) => f.path)], { reject: false, stdin: 'ignore' });
    for (const line of r.stdout.split('\n')) {
      const m = /^(\d+)\t(.*)$/.exec(line);
      if (m) sizes.set(m[2]!, Number(m[1]));
    }
  }
  return found.map((f) => ({ ...f, bytes: sizes.get(f.path) ?? 0, lastUse: lastUse(f.path), users: f.kind === 'partial' ? scratchUsers(f.path) : usersOf(f.path) }));
}

/** A scratch folder is in use while the process named in it lives. */
function scratchUsers(p: string): number[] {
  const pid = scratchPid(path.basename(p));
  return pid !== undefined && processStart(pid) !== undefined ? [pid] : [];
}

export interface PruneRules {
  /** Remove entries not used for this long. */
  readonly olderThanMs?: number;
  /** Keep this many most recently used entries of each group. */
  readonly keepNewest?: number;
  readonly now?: Date;
}

export interface PrunePlan {
  readonly remove: readonly CacheEntry[];
  /** Entries the rules chose but a running harness uses. */
  readonly inUse: readonly CacheEntry[];
}

/** What the rules remove: an entry meeting every rule given; unfinished leftovers of killed runs always. */
export function planPrune(entries: readonly CacheEntry[], rules: PruneRules): PrunePlan {
  const now = (rules.now ?? new Date()).getTime();
  const rank = new Map<CacheEntry, number>();
  const groups = new Map<string, CacheEntry[]>();
  for (const e of entries) groups.set(e.group, [...(groups.get(e.group) ?? []), e]);
  for (const g of groups.values()) [...g].sort((a, b) => b.lastUse.getTime() - a.lastUse.getTime()).forEach((e, i) => rank.set(e, i));
  const chosen = entries.filter((e) => {
    if (e.kind === 'partial') return true;
    if (rules.olderThanMs === undefined && rules.keepNewest === undefined) return false;
    if (rules.olderThanMs !== undefined && now - e.lastUse.getTime() < rules.olderThanMs) return false;
    if (rules.keepNewest !== undefined && rank.get(e)! < rules.keepNewest) return false;
    return true;
  });
  return { remove: chosen.filter((e) => !e.users.length), inUse: chosen.filter((e) => e.users.length > 0) };
}

/** Remove the planned entries (rechecking users first); returns the bytes freed. */
export function prune(plan: PrunePlan): number {
  let freed = 0;
  for (const e of plan.remove) {
    if ((e.kind === 'partial' ? scratchUsers(e.path) : usersOf(e.path)).length) continue;
    fs.rmSync(e.path, { recursive: true, force: true });
    freed += e.bytes;
  }
  return freed;
}

/** "30d", "12h", "2w", "90m" to milliseconds. */
export function parseDuration(text: string): number {
  const m = /^(\d+(?:\.\d+)?)\s*(m|h|d|w)$/.exec(text.trim());
  if (!m) throw new Error(`"${text}" is not a duration: use a number and a unit, m, h, d or w (30d, 12h)`);
  return Number(m[1]) * { m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000 }[m[2] as 'm' | 'h' | 'd' | 'w'];
}
