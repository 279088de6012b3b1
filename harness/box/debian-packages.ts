/**
 * The box's private apt state: one set of sources (bookworm, its updates,
 * security and backports, derived from the machine's apt configuration) used
 * to resolve and fetch the nested host's kernel and busybox. Packages are
 * downloaded and unpacked into the cache, never installed.
 */
import fs from 'node:fs/promises';
import path from 'node:path';
import { execa } from 'execa';
import { PrivateApt, sourcesForSuite, systemAptTargets } from '../qemu/apt-sources.js';
import { cacheRoot } from '../qemu/cache-dir.js';
import { EnvironmentError } from '../qemu/errors.js';

export type Progress = (message: string) => void;

/** The suite whose sources include every pocket the box takes packages from. */
export const BOX_SUITE = 'bookworm-backports';
const LISTS_MAX_AGE_MS = 24 * 3600 * 1000;

export function boxCacheDir(): string {
  return path.join(cacheRoot(), 'box');
}

type BoxApt = { apt: PrivateApt; fresh: boolean; error?: string };
let opened: { dir: string; state: Promise<BoxApt> } | undefined;

/** The private apt state, lists refreshed at most daily (once per process). `fresh` is false when a refresh failed. */
export function boxApt(progress: Progress): Promise<BoxApt> {
  const dir = path.join(boxCacheDir(), 'apt');
  if (opened?.dir !== dir) opened = { dir, state: openApt(dir, progress) };
  return opened.state;
}

async function openApt(dir: string, progress: Progress): Promise<BoxApt> {
  const apt = new PrivateApt(dir);
  try {
    await apt.configure(sourcesForSuite(await systemAptTargets(), BOX_SUITE));
    if ((await apt.listsAgeMs()) > LISTS_MAX_AGE_MS) {
      progress('box: refreshing package lists');
      await apt.update();
    }
    return { apt, fresh: true };
  } catch (e) {
    return { apt, fresh: false, error: firstLine(e) };
  }
}

/** Package names starting with `prefix` that the private lists know (a local query). */
export async function packageNames(apt: PrivateApt, prefix: string): Promise<string[]> {
  const { stdout } = await execa('apt-cache', [...apt.options(), 'pkgnames', prefix], { stdin: 'ignore' });
  return stdout.split('\n').filter(Boolean).sort();
}

/** Candidate version of each package (one apt-cache call), `defaultRelease` preferred. */
export async function candidates(apt: PrivateApt, pkgs: readonly string[], defaultRelease: string): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  if (pkgs.length === 0) return out;
  const { stdout } = await execa('apt-cache', [...apt.options(), '-o', `APT::Default-Release=${defaultRelease}`, 'policy', ...pkgs], { stdin: 'ignore' });
  for (const block of stdout.split(/^(?=\S+:$)/m)) {
    const m = /^(\S+):\n[\s\S]*?Candidate:\s*(\S+)/.exec(block);
    if (m && m[2] !== '(none)') out.set(m[1]!, m[2]!);
  }
  return out;
}

export async function versionGreater(a: string, b: string): Promise<boolean> {
  const r = await execa('dpkg', ['--compare-versions', a, 'gt', b], { reject: false });
  return r.exitCode === 0;
}

/**
 * Download `pkg=version` and unpack it into `dir/root`, once: `dir/.complete`
 * holds the version when done; a half-finished folder is started again.
 */
export async function unpackOnce(apt: PrivateApt, pkg: string, version: string, dir: string, progress: Progress): Promise<string> {
  const root = path.join(dir, 'root');
  const done = path.join(dir, '.complete');
  if (await exists(done)) return root;
  await fs.rm(dir, { recursive: true, force: true });
  const debs = path.join(dir, 'debs');
  progress(`box: downloading ${pkg}=${version}`);
  try {
    await apt.download([`${pkg}=${version}`], debs);
  } catch (e) {
    throw new EnvironmentError(`downloading ${pkg}=${version} failed: ${firstLine(e)}`, 'check that the Debian mirror in /etc/apt is reachable');
  }
  progress(`box: unpacking ${pkg} into ${dir}`);
  await fs.mkdir(root, { recursive: true });
  for (const f of (await fs.readdir(debs)).filter((n) => n.endsWith('.deb'))) await execa('dpkg-deb', ['-x', path.join(debs, f), root]);
  await fs.rm(debs, { recursive: true, force: true });
  await fs.writeFile(path.join(dir, 'package.txt'), `${pkg}=${version}\n`);
  await fs.writeFile(done, version);
  return root;
}

/** The newest completely unpacked version under `base` (each in its own folder with `.complete`). */
export async function newestUnpacked(base: string): Promise<{ dir: string; version: string } | undefined> {
  let best: { dir: string; version: string } | undefined;
  for (const name of await fs.readdir(base).catch(() => [] as string[])) {
    const dir = path.join(base, name);
    const version = await fs.readFile(path.join(dir, '.complete'), 'utf8').then((s) => s.trim(), () => undefined);
    if (version && (!best || (await versionGreater(version, best.version)))) best = { dir, version };
  }
  return best;
}

export const exists = (p: string) =>
  fs.access(p).then(
    () => true,
    () => false,
  );
export const safeName = (v: string) => v.replace(/[^A-Za-z0-9.+~-]/g, '_');
export const firstLine = (e: unknown) => (e instanceof Error ? e.message : String(e)).split('\n')[0]!;
