/**
 * Debian's QEMU builds without installing them: the packages of a suite are
 * downloaded into a private apt state and unpacked into the cache. The
 * newest version is resolved at each use (lists refreshed at most daily) and
 * recorded next to the unpacked tree.
 */
import path from 'node:path';
import { PrivateApt, sourcesForSuite, systemAptTargets } from './apt-sources.js';
import { cacheRoot } from './cache-dir.js';
import { EnvironmentError } from './errors.js';
import { exists, firstLine, newestUnpacked, safeName, unpackOnce, type Progress } from './unpacked-packages.js';

/** The packages that make a runnable x86 system emulator with its firmware. */
const PACKAGES = ['qemu-system-x86', 'qemu-system-common', 'qemu-system-data', 'seabios', 'ipxe-qemu'] as const;
const LISTS_MAX_AGE_MS = 24 * 3600 * 1000;

export interface UnpackedDebianBuild {
  readonly suite: string;
  /** Debian version of qemu-system-x86, e.g. 1:10.0.2+ds-2+deb13u1~bpo12+1. */
  readonly debianVersion: string;
  readonly binary: string;
  /** Firmware and data folders, each passed to QEMU with -L. */
  readonly dataDirs: readonly string[];
  /** Environment QEMU needs to load its own modules rather than the system's. */
  readonly env: Readonly<Record<string, string>>;
}

export type { Progress };

const SUITE_RE = /^[a-z]+(-[a-z]+)?$/;

export async function debianBuild(suite: string, progress: Progress): Promise<UnpackedDebianBuild> {
  if (!SUITE_RE.test(suite)) throw new EnvironmentError(`"${suite}" is not a Debian suite name`, 'use debian:bookworm or debian:bookworm-backports');
  const base = path.join(cacheRoot(), 'debian', suite);
  const apt = new PrivateApt(path.join(base, 'apt'));
  let version: string | undefined;
  try {
    await apt.configure(sourcesForSuite(await systemAptTargets(), suite));
    if ((await apt.listsAgeMs()) > LISTS_MAX_AGE_MS) {
      progress(`debian:${suite}: refreshing package lists`);
      await apt.update();
    }
    version = await apt.candidate('qemu-system-x86', suite);
  } catch (e) {
    const cached = await newestCached(base);
    if (cached) {
      progress(`debian:${suite}: cannot refresh package lists (${firstLine(e)}); using cached ${cached.debianVersion}`);
      return cached;
    }
    if (e instanceof EnvironmentError) throw e;
    throw new EnvironmentError(`cannot resolve QEMU in debian:${suite}: ${firstLine(e)}`, 'check that the Debian mirror in /etc/apt is reachable, or pass --qemu PATH');
  }
  if (!version) throw new EnvironmentError(`debian:${suite} has no qemu-system-x86 package`, 'check the suite name, or pass --qemu PATH');
  const dir = path.join(base, safeName(version));
  if (!(await exists(path.join(dir, '.complete')))) {
    // QEMU falls back to the installed build's module folder for any module
    // missing from ours and aborts on the mismatch, so take every module
    // package of the same version too (qemu-system-x86 recommends them pinned).
    const modules = await apt.pinnedRecommends('qemu-system-x86', version, suite);
    const pins: string[] = [];
    for (const p of [...PACKAGES, ...modules]) {
      const v = await apt.candidate(p, suite);
      if (!v) throw new EnvironmentError(`debian:${suite} has no ${p} package`, 'check the suite name, or pass --qemu PATH');
      pins.push(`${p}=${v}`);
    }
    await unpackOnce(apt, pins, version, dir, progress, `debian:${suite}`);
  }
  return describe(suite, dir, version);
}

function describe(suite: string, dir: string, debianVersion: string): UnpackedDebianBuild {
  const root = path.join(dir, 'root');
  return {
    suite,
    debianVersion,
    binary: path.join(root, 'usr/bin/qemu-system-x86_64'),
    // Debian's binaries look only in absolute system folders for firmware; point them at ours.
    dataDirs: ['usr/share/qemu', 'usr/share/seabios', 'usr/lib/ipxe/qemu'].map((d) => path.join(root, d)),
    // Without this QEMU loads the installed build's modules and aborts ("Only modules from the same build").
    env: { QEMU_MODULE_DIR: path.join(root, 'usr/lib/x86_64-linux-gnu/qemu') },
  };
}

async function newestCached(base: string): Promise<UnpackedDebianBuild | undefined> {
  const best = await newestUnpacked(base);
  return best && describe(path.basename(base), best.dir, best.version);
}
