/**
 * The nested host's kernel: the newest Debian amd64 (unsigned) image of a
 * series, resolved in the box's private apt state at provisioning time (the
 * mirror replaces versions, so none is ever hard-coded), unpacked into
 * cacheRoot()/box/kernel-<series>/<version>/ with its modules tree.
 */
import fs from 'node:fs/promises';
import path from 'node:path';
import { EnvironmentError } from '../qemu/errors.js';
import { newestUnpacked, safeName, versionGreater } from '../qemu/unpacked-packages.js';
import { boxApt, boxCacheDir, candidates, packageNames, unpackPackage, type Progress } from './debian-packages.js';

export const KERNEL_SERIES = ['6.12', '6.1'] as const;
export type KernelSeries = (typeof KERNEL_SERIES)[number];

export interface BoxKernel {
  readonly series: KernelSeries;
  readonly package: string;
  /** Debian package version, e.g. 6.12.95-1~bpo12+1. */
  readonly version: string;
  /** Kernel release (uname -r), e.g. 6.12.95+deb12-amd64. */
  readonly release: string;
  readonly vmlinuz: string;
  /** lib/modules/<release> of the unpacked package. */
  readonly modulesDir: string;
}

export function isKernelSeries(s: string): s is KernelSeries {
  return (KERNEL_SERIES as readonly string[]).includes(s);
}

export async function provisionKernel(series: KernelSeries, progress: Progress): Promise<BoxKernel> {
  const base = path.join(boxCacheDir(), `kernel-${series}`);
  const { apt, fresh, error } = await boxApt(progress);
  let newest: { pkg: string; version: string } | undefined;
  if (fresh) {
    try {
      newest = await newestImage(apt, series);
    } catch (e) {
      if (e instanceof EnvironmentError) throw e;
    }
  }
  if (!newest) {
    const cached = await newestUnpacked(base);
    if (!cached) {
      throw new EnvironmentError(
        `cannot resolve a Linux ${series} kernel package${error ? ` (${error})` : ''}`,
        'check that the Debian mirror in /etc/apt is reachable (bookworm and bookworm-backports are used)',
      );
    }
    progress(`box: cannot refresh package lists (${error}); using cached kernel ${cached.version}`);
    return describe(series, cached.dir, (await fs.readFile(path.join(cached.dir, 'package.txt'), 'utf8')).split('=')[0]!, cached.version);
  }
  const dir = path.join(base, safeName(newest.version));
  await unpackPackage(apt, newest.pkg, newest.version, dir, progress);
  return describe(series, dir, newest.pkg, newest.version);
}

/** Newest `linux-image-<series>…-amd64-unsigned` (not cloud or rt) whose candidate version is of the series. */
async function newestImage(apt: Awaited<ReturnType<typeof boxApt>>['apt'], series: KernelSeries): Promise<{ pkg: string; version: string }> {
  const nameRe = new RegExp(`^linux-image-${series.replace('.', '\\.')}[.-][0-9.+a-z-]*?-amd64-unsigned$`);
  const names = (await packageNames(apt, `linux-image-${series}`)).filter((n) => nameRe.test(n) && !/-(cloud|rt)-amd64/.test(n));
  let best: { pkg: string; version: string } | undefined;
  for (const [pkg, version] of await candidates(apt, names, 'bookworm-backports')) {
    if (!version.startsWith(`${series}.`)) continue;
    if (!best || (await versionGreater(version, best.version))) best = { pkg, version };
  }
  if (!best) throw new EnvironmentError(`no linux-image-${series}*-amd64-unsigned package in bookworm or bookworm-backports`, `use another kernel series (${KERNEL_SERIES.join(', ')})`);
  return best;
}

async function describe(series: KernelSeries, dir: string, pkg: string, version: string): Promise<BoxKernel> {
  const root = path.join(dir, 'root');
  const releases = await fs.readdir(path.join(root, 'lib/modules')).catch(() => [] as string[]);
  const release = releases[0];
  if (!release) throw new EnvironmentError(`the unpacked kernel ${pkg}=${version} has no lib/modules`, `remove ${dir} and run again`);
  return { series, package: pkg, version, release, vmlinuz: path.join(root, 'boot', `vmlinuz-${release}`), modulesDir: path.join(root, 'lib/modules', release) };
}
