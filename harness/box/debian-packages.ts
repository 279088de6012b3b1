/**
 * The box's private apt state: one set of sources (the machine's release
 * with its updates, security and backports, and Debian's stable with its
 * backports and unstable, all derived from the machine's apt configuration)
 * used to resolve and fetch the nested host's kernel and busybox, so every
 * kernel series Debian ships can be booted. Packages are downloaded and
 * unpacked into the cache, never installed.
 */
import path from 'node:path';
import { execa } from 'execa';
import { currentSuites, PrivateApt, sourcesForSuites, systemAptTargets, systemCodename } from '../debian/apt-sources.js';
import { cacheRoot } from '../cache/cache-dir.js';
import { firstLine, unpackOnce, type Progress } from '../debian/unpacked-packages.js';

export type { Progress };

/** Preferred where one package name is in several suites (kernel image names carry their release, so rarely). */
export const BOX_DEFAULT_RELEASE = 'unstable';

export function boxCacheDir(): string {
  return path.join(cacheRoot(), 'box');
}

type BoxApt = { apt: PrivateApt; fresh: boolean; error?: string; /** The machine's release, e.g. bookworm. */ codename?: string };
let opened: { dir: string; state: Promise<BoxApt> } | undefined;

/** The private apt state, lists refreshed at most daily (once per process). `fresh` is false when a refresh failed. */
export function boxApt(progress: Progress): Promise<BoxApt> {
  const dir = path.join(boxCacheDir(), 'apt');
  if (opened?.dir !== dir) opened = { dir, state: openApt(dir, progress) };
  return opened.state;
}

async function openApt(dir: string, progress: Progress): Promise<BoxApt> {
  const apt = new PrivateApt(dir);
  let codename: string | undefined;
  try {
    const targets = await systemAptTargets();
    codename = systemCodename(targets);
    await apt.open(sourcesForSuites(targets, await currentSuites(targets)), 'box', progress);
    return { apt, fresh: true, ...(codename ? { codename } : {}) };
  } catch (e) {
    return { apt, fresh: false, error: firstLine(e), ...(codename ? { codename } : {}) };
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

/** Download `pkg=version` and unpack it into `dir/root`, once. */
export function unpackPackage(apt: PrivateApt, pkg: string, version: string, dir: string, progress: Progress): Promise<string> {
  return unpackOnce(apt, [`${pkg}=${version}`], version, dir, progress, 'box');
}
