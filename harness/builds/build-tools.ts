/**
 * Build tools a QEMU tree needs that the machine's Debian release is too old
 * for, taken from Debian (never from a Python registry): QEMU 10 wants meson
 * 1.5 or newer, bookworm has 1.0. Meson is architecture-independent Python,
 * so the package of a newer suite is unpacked into the cache and put on
 * PYTHONPATH and PATH for the build; QEMU's configure finds it through its
 * venv, which sees the system's site packages.
 */
import fs from 'node:fs/promises';
import path from 'node:path';
import { execa } from 'execa';
import { PrivateApt, sourcesForSuite, systemAptTargets } from '../debian/apt-sources.js';
import { cacheRoot } from '../cache/cache-dir.js';
import { EnvironmentError } from '../errors.js';
import { exists, firstLine, newestUnpacked, safeName, unpackOnce, versionGreater, type Progress } from '../debian/unpacked-packages.js';

/** The meson version a tree's top meson.build asks for (`meson_version: '>=1.5.0'`), if it says. */
export async function requiredMeson(src: string): Promise<string | undefined> {
  const text = await fs.readFile(path.join(src, 'meson.build'), 'utf8').catch(() => '');
  return /meson_version\s*:\s*'>=\s*([0-9.]+)'/.exec(text)?.[1];
}

/**
 * Environment additions for building `src`: none when the machine's meson
 * is new enough, else meson from `suite` (the suite the source came from).
 */
export async function buildToolsEnv(src: string, suite: string, progress: Progress): Promise<Record<string, string>> {
  const wanted = await requiredMeson(src);
  if (!wanted) return {};
  const system = await execa('meson', ['--version'], { reject: false, stdin: 'ignore' });
  if (system.exitCode === 0 && !(await versionGreater(wanted, system.stdout.trim()))) return {};
  const root = await debianMeson(suite, progress);
  progress(`meson ${wanted} or newer needed (machine has ${system.exitCode === 0 ? system.stdout.trim() : 'none'}): using Debian's from ${suite}`);
  return {
    PYTHONPATH: [path.join(root, 'usr/lib/python3/dist-packages'), process.env['PYTHONPATH']].filter(Boolean).join(path.delimiter),
    PATH: [path.join(root, 'usr/bin'), process.env['PATH']].filter(Boolean).join(path.delimiter),
  };
}

async function debianMeson(suite: string, progress: Progress): Promise<string> {
  const base = path.join(cacheRoot(), 'tools', `meson-${suite}`);
  const apt = new PrivateApt(path.join(base, 'apt'));
  let version: string | undefined;
  try {
    await apt.open(sourcesForSuite(await systemAptTargets(), suite), `meson (${suite})`, progress);
    version = await apt.candidate('meson', suite);
  } catch (e) {
    const cached = await newestUnpacked(base);
    if (cached) return path.join(cached.dir, 'root');
    throw new EnvironmentError(`cannot resolve meson in debian:${suite}: ${firstLine(e)}`, 'check that the Debian mirror in /etc/apt is reachable');
  }
  if (!version) throw new EnvironmentError(`debian:${suite} has no meson package`, 'build this tree with your own command: --build CMD');
  const dir = path.join(base, safeName(version));
  if (!(await exists(path.join(dir, '.complete')))) await unpackOnce(apt, [`meson=${version}`], version, dir, progress, `meson (${suite})`);
  return path.join(dir, 'root');
}
