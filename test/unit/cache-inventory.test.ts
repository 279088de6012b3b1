/**
 * The cache inventory and prune rules on a cache laid out as the harness
 * lays it out (folders made here): kinds and groups, what each rule removes,
 * and that an entry a running harness uses is never removed.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { execa } from 'execa';
import { expect } from 'chai';
import { listCache, parseDuration, planPrune, prune } from '../../harness/cache/cache-inventory.js';
import { noteUse } from '../../harness/cache/cache-use.js';

const MAIN = new URL('../../bin/msix-harness.js', import.meta.url).pathname;
const DAY = 86_400_000;

function entry(root: string, rel: string, ageDays: number, complete = true): string {
  const dir = path.join(root, rel);
  fs.mkdirSync(path.join(dir, 'root'), { recursive: true });
  fs.writeFileSync(path.join(dir, 'root', 'payload'), 'x'.repeat(4096));
  if (complete) fs.writeFileSync(path.join(dir, '.complete'), path.basename(rel));
  const t = new Date(Date.now() - ageDays * DAY);
  fs.writeFileSync(path.join(dir, '.last-use'), '');
  fs.utimesSync(path.join(dir, '.last-use'), t, t);
  return dir;
}

describe('cache inventory and prune', () => {
  let root: string;
  beforeEach(() => {
    root = fs.mkdtempSync(path.join(os.tmpdir(), 'msix-harness-test-cache-'));
    entry(root, 'debian/sid/1_11.1.2+ds-1', 40);
    entry(root, 'debian/sid/1_11.1.3+ds-1', 1);
    entry(root, 'debian/bookworm/1_7.2+dfsg-7+deb12u18+b3', 50);
    entry(root, 'box/kernel-6.12/6.12.117-1', 45);
    entry(root, 'box/kernel-6.12/6.12.118-1', 2);
    entry(root, 'debian/sid/1_11.1.4+ds-1.partial-4194305', 0, false);
    fs.mkdirSync(path.join(root, 'ccache'), { recursive: true });
  });
  afterEach(() => fs.rmSync(root, { recursive: true, force: true }));

  it('lists each build, kernel and leftover with its kind, group, size and last use', async () => {
    const list = await listCache(root);
    const by = (name: string) => list.find((e) => e.name === name);
    expect(by('debian:sid 1_11.1.3+ds-1')).to.include({ kind: 'qemu', group: 'debian/sid' });
    expect(by('6.12 series: 6.12.117-1')).to.include({ kind: 'kernel', group: 'box/kernel-6.12' });
    expect(list.find((e) => e.kind === 'partial')?.name).to.match(/unfinished/);
    expect(by('compiler cache')?.kind).to.equal('ccache');
    expect(by('debian:sid 1_11.1.3+ds-1')!.bytes).to.be.at.least(4096);
    expect(Date.now() - by('debian:bookworm 1_7.2+dfsg-7+deb12u18+b3')!.lastUse.getTime()).to.be.closeTo(50 * DAY, DAY / 10);
  });

  it('--keep-newest keeps the newest per group; --older-than removes by last use; both together need both; leftovers go always', async () => {
    const names = async (rules: Parameters<typeof planPrune>[1]) => planPrune(await listCache(root), rules).remove.map((e) => e.name).sort();
    expect(await names({})).to.deep.equal(['1_11.1.4+ds-1.partial-4194305 (unfinished)'].map((n) => `debian:sid ${n}`));
    expect(await names({ keepNewest: 1 })).to.include.members(['debian:sid 1_11.1.2+ds-1', '6.12 series: 6.12.117-1']).and.not.include('debian:bookworm 1_7.2+dfsg-7+deb12u18+b3');
    expect(await names({ olderThanMs: 30 * DAY })).to.include.members(['debian:sid 1_11.1.2+ds-1', 'debian:bookworm 1_7.2+dfsg-7+deb12u18+b3', '6.12 series: 6.12.117-1']);
    // bookworm's only build is old but the newest of its suite: kept when both rules are given.
    expect(await names({ olderThanMs: 30 * DAY, keepNewest: 1 })).to.not.include('debian:bookworm 1_7.2+dfsg-7+deb12u18+b3');
  });

  it('never removes an entry a running harness uses, and prune removes exactly the plan', async () => {
    const used = path.join(root, 'debian/sid/1_11.1.2+ds-1');
    noteUse(used);
    const t = new Date(Date.now() - 40 * DAY);
    fs.utimesSync(path.join(used, '.last-use'), t, t);
    const plan = planPrune(await listCache(root), { olderThanMs: 30 * DAY });
    expect(plan.inUse.map((e) => e.path)).to.deep.equal([used]);
    expect(plan.remove.map((e) => e.path)).to.not.include(used);
    expect(prune(plan)).to.be.greaterThan(0);
    expect(fs.existsSync(used)).to.equal(true);
    expect(fs.existsSync(path.join(root, 'box/kernel-6.12/6.12.117-1'))).to.equal(false);
    expect(fs.existsSync(path.join(root, 'box/kernel-6.12/6.12.118-1'))).to.equal(true);
  });

  it('the scratch folders of every maker (seed revert, stable history, sources, packages) are listed and pruned; a live run keeps its own', async () => {
    // The names the makers use, from the one helper they share; and the pid-less name older versions left.
    const { scratchDirFor } = await import('../../harness/cache/scratch-dir.js');
    const src = path.join(root, 'src');
    const mine = scratchDirFor(path.join(src, 'qemu-7.2+dfsg-7-revert-b0223e29af'));
    const old = path.join(src, 'qemu-7.2-stable-git-inject-after-11.partial');
    const dead = path.join(src, 'qemu-10.0.13+ds-1.partial-4194306');
    for (const d of [mine, old, dead]) fs.mkdirSync(d, { recursive: true });
    const plan = planPrune(await listCache(root), {});
    expect(plan.remove.map((e) => e.path)).to.include.members([old, dead]);
    expect(plan.inUse.map((e) => e.path)).to.deep.equal([mine]);
    prune(plan);
    expect(fs.existsSync(old) || fs.existsSync(dead)).to.equal(false);
    expect(fs.existsSync(mine)).to.equal(true);
  });

  it('durations: 30d, 12h, 2w, 90m; anything else says what it wants', () => {
    expect(parseDuration('30d')).to.equal(30 * DAY);
    expect(parseDuration('12h')).to.equal(12 * 3_600_000);
    expect(parseDuration('2w')).to.equal(14 * DAY);
    expect(parseDuration('90m')).to.equal(90 * 60_000);
    expect(() => parseDuration('30')).to.throw(/m, h, d or w/);
  });

  it('the CLI lists, dry-runs and refuses a bad duration with a usage error', async () => {
    const env = { ...process.env, MSIX_HARNESS_CACHE: root };
    const list = await execa(process.execPath, [MAIN, 'cache'], { env, reject: false });
    expect(list.exitCode, list.stderr).to.equal(0);
    expect(list.stdout).to.match(/^qemu\s+debian:sid 1_11\.1\.3\+ds-1\s+\d+ KiB/m).and.match(/^total /m);
    const dry = await execa(process.execPath, [MAIN, 'cache', 'prune', '--keep-newest', '1', '--dry-run'], { env, reject: false });
    expect(dry.stdout).to.match(/would remove:/).and.match(/6\.12\.117-1/);
    expect(fs.existsSync(path.join(root, 'box/kernel-6.12/6.12.117-1'))).to.equal(true);
    const bad = await execa(process.execPath, [MAIN, 'cache', 'prune', '--older-than', 'soon'], { env, reject: false });
    expect(bad.exitCode).to.equal(2);
    expect(bad.stderr).to.match(/"soon" is not a duration/);
  });
});
