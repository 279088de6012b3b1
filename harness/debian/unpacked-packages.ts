/**
 * Debian packages downloaded and unpacked (never installed) into a cache
 * folder per version: `dir/root` holds the files, `dir/.complete` the version.
 * The folder is filled under another name and renamed into place whole,
 * under the entry's lock, so two runs needing it at once download it once
 * and a killed run leaves nothing half-made in its place.
 * Shared by the QEMU builds and the nested host's kernel and busybox.
 */
import fs from 'node:fs/promises';
import path from 'node:path';
import { execa } from 'execa';
import type { PrivateApt } from './apt-sources.js';
import { EnvironmentError } from '../errors.js';
import { withCacheLock } from '../cache/cache-lock.js';
import { noteUse } from '../cache/cache-use.js';
import { scratchDirFor } from '../cache/scratch-dir.js';

export type Progress = (message: string) => void;

/** Download `pins` (pkg=version) and unpack them into `dir/root`, once; returns the root. */
export async function unpackOnce(apt: PrivateApt, pins: readonly string[], version: string, dir: string, progress: Progress, label: string): Promise<string> {
  const root = path.join(dir, 'root');
  const done = path.join(dir, '.complete');
  if (!(await exists(done))) {
    await withCacheLock(dir, label, async () => {
      if (await exists(done)) return; // made by another run while this one waited
      const scratch = scratchDirFor(dir);
      await fs.rm(scratch, { recursive: true, force: true });
      try {
        const debs = path.join(scratch, 'debs');
        progress(`${label}: downloading ${pins.join(' ')}`);
        try {
          await apt.download(pins, debs);
        } catch (e) {
          throw new EnvironmentError(`downloading ${pins.join(' ')} failed: ${firstLine(e)}`, 'check that the Debian mirror in /etc/apt is reachable');
        }
        progress(`${label}: unpacking into ${dir}`);
        await fs.mkdir(path.join(scratch, 'root'), { recursive: true });
        for (const f of (await fs.readdir(debs)).filter((n) => n.endsWith('.deb'))) await execa('dpkg-deb', ['-x', path.join(debs, f), path.join(scratch, 'root')]);
        await fs.rm(debs, { recursive: true, force: true });
        await fs.writeFile(path.join(scratch, 'packages.txt'), pins.join('\n') + '\n');
        await fs.writeFile(path.join(scratch, '.complete'), version);
        // A half-made folder of an older harness (no .complete) gives way.
        await fs.rm(dir, { recursive: true, force: true });
        await fs.rename(scratch, dir);
      } finally {
        await fs.rm(scratch, { recursive: true, force: true });
      }
    }, { progress });
  }
  noteUse(dir);
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
