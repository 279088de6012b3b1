/**
 * A real git history of QEMU's 7.2 stable branch, made offline from Debian's
 * source package (its debian/patches carry upstream's 7.2.1 .. 7.2.22 as one
 * diff each): v7.2.0, then one commit per stable release, with one extra
 * commit that reintroduces a real MSI-X bug (the founding fix reverted)
 * after a chosen release. It is what `bisect` is tested on: bisecting
 * v7.2.0..v7.2.22 with the seed case must name exactly the injected commit.
 */
import fs from 'node:fs/promises';
import path from 'node:path';
import { execa } from 'execa';
import { debianQemuSource, sourceRoot } from '../debian/debian-source.js';
import { EnvironmentError } from '../errors.js';
import { revertDummyVector, SEED_COMMIT } from './seed-revert.js';
import { exists, type Progress } from '../debian/unpacked-packages.js';
import { scratchDirFor } from '../cache/scratch-dir.js';

const MARKER = '.git/msix-harness-history.json';
/** The DFSG tree has no firmware blobs: Debian skips pc-bios/ in meson (and the qtest dependency on its roms), and so must we. */
const BUILD_PATCHES = ['skip-meson-pc-bios.diff', 'ignore-roms-dependency-in-qtest.patch'];
const STABLE_RE = /^v7\.2\.(\d+)\.diff$/;

export interface StableHistory {
  readonly dir: string;
  /** Tag per release: v7.2.0 .. v7.2.N. */
  readonly tags: readonly string[];
  /** The injected commit (full sha) and the release it follows; absent in the plain history (the release sweep's). */
  readonly injected?: { readonly sha: string; readonly after: string; readonly subject: string };
}

/** A history with an injected regression (what bisect is tested on). */
export type InjectedHistory = StableHistory & { readonly injected: NonNullable<StableHistory['injected']> };

/** Fixed identity and dates: the same history (and commit ids) on every machine. */
const GIT_ENV = {
  GIT_AUTHOR_NAME: 'msix-harness',
  GIT_AUTHOR_EMAIL: 'msix-harness@localhost',
  GIT_COMMITTER_NAME: 'msix-harness',
  GIT_COMMITTER_EMAIL: 'msix-harness@localhost',
  GIT_AUTHOR_DATE: '2023-01-01T00:00:00Z',
  GIT_COMMITTER_DATE: '2023-01-01T00:00:00Z',
};

export async function stableHistory(progress: Progress, injectAfter = 11): Promise<InjectedHistory> {
  return (await makeHistory(progress, injectAfter)) as InjectedHistory;
}

/** The stable releases as they were, nothing injected: what the release sweep builds, tag by tag. */
export function plainStableHistory(progress: Progress): Promise<StableHistory> {
  return makeHistory(progress, undefined);
}

async function makeHistory(progress: Progress, injectAfter: number | undefined): Promise<StableHistory> {
  const dir = path.join(sourceRoot(), injectAfter === undefined ? 'qemu-7.2-stable-git' : `qemu-7.2-stable-git-inject-after-${injectAfter}`);
  const marker = path.join(dir, MARKER);
  if (await exists(marker)) return JSON.parse(await fs.readFile(marker, 'utf8')) as StableHistory;
  const source = await debianQemuSource(progress, { suite: 'bookworm' });
  const patchDir = path.join(source.dir, 'debian', 'patches');
  const series = (await fs.readFile(path.join(patchDir, 'series'), 'utf8'))
    .split('\n')
    .map((l) => l.replace(/(^|\s)#.*$/, '').trim())
    .filter(Boolean);
  const stable = series.filter((p) => STABLE_RE.test(p));
  if (injectAfter !== undefined && (stable.length < 3 || injectAfter < 1 || injectAfter >= stable.length)) throw new EnvironmentError(`debian:bookworm's qemu has ${stable.length} stable diffs; cannot inject after 7.2.${injectAfter}`, 'pick a release in the middle of the series');

  const scratch = scratchDirFor(dir);
  await fs.rm(scratch, { recursive: true, force: true });
  await fs.mkdir(scratch, { recursive: true });
  progress(`stable history: copying ${source.dir} (hard links) and reverse-applying its ${series.length} patches to get 7.2.0`);
  const entries = (await fs.readdir(source.dir)).filter((n) => !['build', 'debian'].includes(n) && !n.startsWith('.msix-harness'));
  await execa('cp', ['-al', '-t', scratch, ...entries.map((n) => path.join(source.dir, n))]);
  // GNU patch writes a new file and renames it over the old one, so the hard-linked source tree is left alone.
  for (const p of [...series].reverse()) await patch(scratch, path.join(patchDir, p), true);
  for (const p of BUILD_PATCHES) await patch(scratch, path.join(patchDir, p), false);

  const git = (...args: string[]) => execa('git', args, { cwd: scratch, env: GIT_ENV, stdin: 'ignore' });
  await git('init', '-q', '-b', 'stable-7.2');
  await git('config', 'core.autocrlf', 'false');
  const commit = async (subject: string, tag?: string) => {
    await git('add', '-A');
    await git('commit', '-q', '--no-verify', '-m', subject);
    if (tag) await git('tag', tag);
    return (await git('rev-parse', 'HEAD')).stdout.trim();
  };
  progress('stable history: committing v7.2.0');
  await commit(`v7.2.0 (Debian's DFSG tree, with ${BUILD_PATCHES.join(', ')})`, 'v7.2.0');
  const tags = ['v7.2.0'];
  let injected: StableHistory['injected'] | undefined;
  for (const p of stable) {
    const n = Number(STABLE_RE.exec(p)![1]);
    await patch(scratch, path.join(patchDir, p), false);
    await commit(`v7.2.${n}`, `v7.2.${n}`);
    tags.push(`v7.2.${n}`);
    progress(`stable history: v7.2.${n}`);
    if (n === injectAfter) {
      const file = path.join(scratch, 'hw/vfio/pci.c');
      const text = revertDummyVector(await fs.readFile(file, 'utf8'));
      await fs.rm(file);
      await fs.writeFile(file, text);
      const subject = `vfio/pci: enable MSI-X without the dummy vector (reverts ${SEED_COMMIT}; injected regression)`;
      injected = { sha: await commit(subject), after: `v7.2.${n}`, subject };
    }
  }
  const history: StableHistory = { dir, tags, ...(injected ? { injected } : {}) };
  await fs.writeFile(path.join(scratch, MARKER), JSON.stringify(history, null, 2) + '\n');
  await fs.rm(dir, { recursive: true, force: true });
  await fs.rename(scratch, dir);
  return history;
}

async function patch(tree: string, file: string, reverse: boolean): Promise<void> {
  const r = await execa('patch', ['-p1', ...(reverse ? ['-R'] : []), '--batch', '--fuzz=2', '--no-backup-if-mismatch', '--reject-file=-', '-s', '-i', file], { cwd: tree, reject: false, stdin: 'ignore', all: true });
  if (r.exitCode !== 0) throw new EnvironmentError(`${path.basename(file)} does not ${reverse ? 'reverse-apply' : 'apply'} in ${tree}:\n${r.all}`, `delete ${tree} and try again; if it persists, the Debian source package changed`);
}
