/** `msix-harness cache` (list) and `cache prune`. */
import { cacheRoot } from '../cache/cache-dir.js';
import { listCache, planPrune, prune, type CacheEntry, type PruneRules } from '../cache/cache-inventory.js';
import { ExitCode } from './exit-codes.js';

const size = (b: number) => (b >= 1 << 30 ? `${(b / (1 << 30)).toFixed(1)} GiB` : b >= 1 << 20 ? `${(b / (1 << 20)).toFixed(0)} MiB` : `${Math.ceil(b / 1024)} KiB`);
const day = (d: Date) => d.toISOString().slice(0, 16).replace('T', ' ');

function table(entries: readonly CacheEntry[]): string {
  const rows = entries.map((e) => [e.kind, e.name, size(e.bytes), day(e.lastUse), e.users.length ? `in use (pid ${e.users.join(', ')})` : '']);
  const head = ['kind', 'entry', 'size', 'last use (UTC)', ''];
  const w = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  return [head, ...rows].map((r) => r.map((c, i) => c.padEnd(w[i]!)).join('  ').trimEnd()).join('\n');
}

export async function cacheListCommand(): Promise<number> {
  const entries = await listCache();
  process.stdout.write(`cache: ${cacheRoot()}\n`);
  if (!entries.length) {
    process.stdout.write('empty\n');
    return ExitCode.OK;
  }
  process.stdout.write(`${table(entries)}\ntotal ${size(entries.reduce((n, e) => n + e.bytes, 0))}\n`);
  return ExitCode.OK;
}

export async function cachePruneCommand(rules: PruneRules, dryRun: boolean): Promise<number> {
  const plan = planPrune(await listCache(), rules);
  if (rules.olderThanMs === undefined && rules.keepNewest === undefined) process.stdout.write('no rule given (--older-than D, --keep-newest N): removing only what killed runs left unfinished\n');
  for (const e of plan.inUse) process.stdout.write(`kept, in use by pid ${e.users.join(', ')}: ${e.kind} ${e.name}\n`);
  if (!plan.remove.length) {
    process.stdout.write('nothing to remove\n');
    return ExitCode.OK;
  }
  process.stdout.write(`${dryRun ? 'would remove' : 'removing'}:\n${table(plan.remove)}\n`);
  if (dryRun) return ExitCode.OK;
  process.stdout.write(`freed ${size(prune(plan))}\n`);
  return ExitCode.OK;
}
