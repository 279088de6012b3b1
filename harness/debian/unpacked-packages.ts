/**
 * Debian packages downloaded and unpacked (never installed) into a cache
 * folder per version: `dir/root` holds the files, `dir/.complete` the version
 * once everything is there, so a half-finished folder is started again.
 * Shared by the QEMU builds and the nested host's kernel and busybox.
 */
import fs from 'node:fs/promises';
import path from 'node:path';
import { execa } from 'execa';
import type { PrivateApt } from './apt-sources.js';
import { EnvironmentError } from '../errors.js';

export type Progress = (message: string) => void;

/** Download `pins` (pkg=version) and unpack them into `dir/root`, once; returns the root. */
export async function unpackOnce(apt: PrivateApt, pins: readonly string[], version: string, dir: string, progress: Progress, label: string): Promise<string> {
  const root = path.join(dir, 'root');
  const done = path.join(dir, '.complete');
  if (await exists(done)) return root;
  await fs.rm(dir, { recursive: true, force: true });
  const debs = path.join(dir, 'debs');
  progress(`${label}: downloading ${pins.join(' ')}`);
  try {
    await apt.download(pins, debs);
  } catch (e) {
    throw new EnvironmentError(`downloading ${pins.join(' ')} failed: ${firstLine(e)}`, 'check that the Debian mirror in /etc/apt is reachable');
  }
  progress(`${label}: unpacking into ${dir}`);
  await fs.mkdir(root, { recursive: true });
  for (const f of (await fs.readdir(debs)).filter((n) => n.endsWith('.deb'))) await execa('dpkg-deb', ['-x', path.join(debs, f), root]);
  await fs.rm(debs, { recursive: true, force: true });
  await fs.writeFile(path.join(dir, 'packages.txt'), pins.join('\n') + '\n');
  await fs.writeFile(done, version);
  return root;
}

/** The newest completely unpacked version under `base` (each in its own folder with `.complete`). */
export async function newestUnpacked(base: string): Promise<{ dir: string; version: string } | undefined> {
  let best: { dir: string; version: string } | undefined;
  for (const name of await fs.readdir(base).catch(() => [] as string[])) {
    const dir = path.join(base, name);
    const version = await fs.readFile(path.join(dir, '.complete'), 'utf8').then(
      (s) => s.trim(),
      () => undefined,
    );
    if (version && (!best || (await versionGreater(version, best.version)))) best = { dir, version };
  }
  return best;
}

export async function versionGreater(a: string, b: string): Promise<boolean> {
  const r = await execa('dpkg', ['--compare-versions', a, 'gt', b], { reject: false });
  return r.exitCode === 0;
}

export const exists = (p: string) =>
  fs.access(p).then(
    () => true,
    () => false,
  );
/** A Debian version as a folder name. */
export const safeName = (v: string) => v.replace(/[^A-Za-z0-9.+~-]/g, '_');
export const firstLine = (e: unknown) => (e instanceof Error ? e.message : String(e)).split('\n')[0]!;
