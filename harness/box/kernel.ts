/**
 * The nested host's kernel: the newest Debian amd64 image of a series (any
 * series the archive carries: 6.1, 6.12, 6.16 ... 7.x, or `newest`),
 * resolved in the box's private apt state at provisioning time (the mirror
 * replaces versions, so none is ever hard-coded), unpacked with the packages
 * it pins (from 6.19 on the image is split into linux-binary, linux-modules
 * and linux-base) into cacheRoot()/box/kernel-<series>/<version>/.
 */
import fs from 'node:fs/promises';
import path from 'node:path';
import { EnvironmentError } from '../errors.js';
import { exists, newestUnpacked, safeName, unpackOnce, versionGreater } from '../debian/unpacked-packages.js';
import { boxApt, boxCacheDir, BOX_DEFAULT_RELEASE, candidates, packageNames, type Progress } from './debian-packages.js';
import { onlineElseCached } from '../cache/online-else-cached.js';

/** A series as users name it: major.minor, e.g. 6.12 or 7.3. */
export type KernelSeries = string;
export const NEWEST_KERNEL = 'newest';
const SERIES_RE = /^\d+\.\d+$/;

export interface BoxKernel {
  readonly series: KernelSeries;
  readonly package: string;
  /** Debian package version, e.g. 6.12.95-1~bpo12+1. */
  readonly version: string;
  /** Kernel release (uname -r), e.g. 6.12.95+deb12-amd64. */
  readonly release: string;
  readonly vmlinuz: string;
  /** The modules folder of the unpacked packages (lib/modules/<release> or usr/lib/modules/<release>). */
  readonly modulesDir: string;
}

export function isKernelSeries(s: string): boolean {
  return SERIES_RE.test(s);
}

/** Stock amd64 images of any series: linux-image-<release>-amd64 (not cloud, rt, dbg or unsigned builds). */
const IMAGE_RE = /^linux-image-(\d+\.\d+)[.-][0-9.+a-z-]*?-amd64$/;
const FLAVOUR_RE = /-(cloud|rt)-amd64$|-dbg$|-unsigned$/;

/** The series of a stock amd64 image package name (either layout), or undefined for other flavours and packages. */
export function imageSeries(pkg: string): KernelSeries | undefined {
  return FLAVOUR_RE.test(pkg) ? undefined : IMAGE_RE.exec(pkg)?.[1];
}

/** The series the archive carries, each with its newest image package, oldest first. */
export async function availableKernels(progress: Progress): Promise<Map<KernelSeries, { pkg: string; version: string }>> {
  const { apt, fresh, error } = await boxApt(progress);
  if (!fresh) throw new EnvironmentError(`cannot list the kernel packages (${error})`, 'check that the Debian mirror in /etc/apt is reachable, or name a series already in the cache');
  const names = (await packageNames(apt, 'linux-image-')).filter((n) => imageSeries(n) !== undefined);
  const best = new Map<string, { pkg: string; version: string }>();
  for (const [pkg, version] of await candidates(apt, names, BOX_DEFAULT_RELEASE)) {
    const series = imageSeries(pkg)!;
    // A 6.1 image's name starts like 6.12's; its version says which it is.
    if (!version.startsWith(`${series}.`)) continue;
    const cur = best.get(series);
    if (!cur || (await versionGreater(version, cur.version))) best.set(series, { pkg, version });
  }
  return new Map([...best].sort(([a], [b]) => compareSeries(a, b)));
}

export function compareSeries(a: string, b: string): number {
  const [am, an] = a.split('.').map(Number);
  const [bm, bn] = b.split('.').map(Number);
  return am! - bm! || an! - bn!;
}

/** `newest` to the newest series the archive carries (or the newest cached one, offline); a series as is. */
export async function resolveKernelSeries(spec: string, progress: Progress): Promise<KernelSeries> {
  if (spec !== NEWEST_KERNEL) {
    if (!isKernelSeries(spec)) throw new EnvironmentError(`"${spec}" is not a kernel series`, 'name a series as major.minor (6.1, 6.12, 7.3 ...) or newest');
    return spec;
  }
  const asked = await onlineElseCached(
    async () => [...(await availableKernels(progress)).keys()].at(-1),
    async () => (await fs.readdir(boxCacheDir()).catch(() => [] as string[])).map((n) => /^kernel-(\d+\.\d+)$/.exec(n)?.[1]).filter((s): s is string => !!s).sort(compareSeries).at(-1),
    { what: 'box: the newest kernel series', progress, describe: (s) => `series ${s}` },
  );
  const series = 'cached' in asked ? asked.cached : asked.online;
  if (series) return series;
  throw new EnvironmentError('the archive carries no linux-image-*-amd64 package', 'check the machine\'s apt configuration');
}

export async function provisionKernel(series: KernelSeries, progress: Progress): Promise<BoxKernel> {
  if (!isKernelSeries(series)) throw new EnvironmentError(`"${series}" is not a kernel series`, 'name a series as major.minor (6.1, 6.12, 7.3 ...) or newest');
  const base = path.join(boxCacheDir(), `kernel-${series}`);
  const { apt, fresh, error } = await boxApt(progress);
  let newest: { pkg: string; version: string } | undefined;
  let available: string[] = [];
  if (fresh) {
    const all = await availableKernels(progress);
    newest = all.get(series);
    available = [...all.keys()];
  }
  if (!newest) {
    const cached = await newestUnpacked(base);
    if (!cached) {
      if (fresh) throw new EnvironmentError(`the archive has no Linux ${series} amd64 image`, `use one of the series it carries: ${available.join(', ')} (or newest)`);
      throw new EnvironmentError(`cannot resolve a Linux ${series} kernel package (${error})`, 'check that the Debian mirror in /etc/apt is reachable');
    }
    if (!fresh) progress(`box: cannot refresh package lists (${error}); using cached kernel ${cached.version}`);
    return describe(series, cached.dir, (await fs.readFile(path.join(cached.dir, 'packages.txt'), 'utf8')).split('=')[0]!, cached.version);
  }
  const dir = path.join(base, safeName(newest.version));
  if (!(await exists(path.join(dir, '.complete')))) {
    // The split layout's image is an empty package that pins its parts at its own version.
    const parts = await apt.pinned(newest.pkg, newest.version, 'Depends', BOX_DEFAULT_RELEASE);
    const pins = [newest, ...parts.map((pkg) => ({ pkg, version: newest!.version }))].map((p) => `${p.pkg}=${p.version}`);
    await unpackOnce(apt, pins, newest.version, dir, progress, `box: kernel ${series}`);
  }
  return describe(series, dir, newest.pkg, newest.version);
}

/** Where the kernel and its modules are, in either layout (boot/ + lib/modules, or all under usr/lib/modules/<release>). */
async function describe(series: KernelSeries, dir: string, pkg: string, version: string): Promise<BoxKernel> {
  const root = path.join(dir, 'root');
  for (const modules of ['lib/modules', 'usr/lib/modules']) {
    for (const release of await fs.readdir(path.join(root, modules)).catch(() => [] as string[])) {
      const modulesDir = path.join(root, modules, release);
      for (const vmlinuz of [path.join(root, 'boot', `vmlinuz-${release}`), path.join(modulesDir, 'vmlinuz')]) {
        if (await exists(vmlinuz)) return { series, package: pkg, version, release, vmlinuz, modulesDir };
      }
    }
  }
  throw new EnvironmentError(`the unpacked kernel ${pkg}=${version} has no vmlinuz beside its modules (boot/vmlinuz-<release> or usr/lib/modules/<release>/vmlinuz)`, `remove ${dir} and run again`);
}
