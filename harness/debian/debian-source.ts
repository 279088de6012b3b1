/**
 * Debian's QEMU source package for a suite, unpacked and patched into the
 * cache, so a regression can be built from the exact sources Debian ships.
 * Needs no dpkg-dev: `apt-get source --download-only` in a private apt state
 * with deb-src lines, then tar for the tarballs and `patch` for the series.
 */
import fs from 'node:fs/promises';
import path from 'node:path';
import { execa } from 'execa';
import { withCacheLock } from '../cache/cache-lock.js';
import { PrivateApt, sourcesForSuite, systemAptTargets } from './apt-sources.js';
import { cacheRoot } from '../cache/cache-dir.js';
import { EnvironmentError } from '../errors.js';
import { exists, firstLine, safeName, versionGreater, type Progress } from './unpacked-packages.js';
import { isScratchName, scratchDirFor } from '../cache/scratch-dir.js';
import { onlineElseCached } from '../cache/online-else-cached.js';

export type { Progress };

const SUITE_RE = /^[a-z]+(-[a-z]+)?$/;
/** Written into a tree once it is completely unpacked and patched. */
export const SOURCE_MARKER = '.msix-harness-source.json';

export interface DebianSource {
  readonly suite: string;
  /** Debian version of the source package, e.g. 1:7.2+dfsg-7+deb12u18. */
  readonly debianVersion: string;
  /** The unpacked tree with debian/patches applied. */
  readonly dir: string;
  /** How many patches of debian/patches/series were applied. */
  readonly patches: number;
}

export interface SourceOptions {
  /** Default bookworm. */
  readonly suite?: string;
  /** A Debian version to use instead of the newest one in the suite. */
  readonly version?: string;
}

/** Where the source trees live. */
export const sourceRoot = () => path.join(cacheRoot(), 'src');

/** The patched qemu source tree of a suite, fetched and unpacked on first use. */
export async function debianQemuSource(progress: Progress, opts: SourceOptions = {}): Promise<DebianSource> {
  const suite = opts.suite ?? 'bookworm';
  if (!SUITE_RE.test(suite)) throw new EnvironmentError(`"${suite}" is not a Debian suite name`, 'use e.g. bookworm');
  const apt = new PrivateApt(path.join(sourceRoot(), `apt-${suite}`));
  if (opts.version) {
    const cached = await readMarker(treeDir(opts.version));
    if (cached) return cached;
  }
  const asked = await onlineElseCached(
    async () => {
      try {
        await apt.open(sourcesForSuite(await systemAptTargets(), suite, ['deb-src']), `qemu source (${suite})`, progress);
        const versions = await sourceVersions(apt);
        if (opts.version && !versions.includes(opts.version)) {
          throw new EnvironmentError(`debian:${suite} has no qemu source ${opts.version} (it has ${versions.join(', ') || 'none'})`, 'pick one of those versions, or leave the version out');
        }
        const newest = opts.version ?? (await newestOf(versions));
        if (!newest) throw new EnvironmentError(`debian:${suite} has no qemu source package`, 'check the suite name and that the system apt configuration lists it');
        return newest;
      } catch (e) {
        if (e instanceof EnvironmentError) throw e;
        throw new EnvironmentError(`cannot resolve the qemu source in debian:${suite}: ${firstLine(e)}`, 'check that the Debian mirror in /etc/apt is reachable');
      }
    },
    // A version asked for by name is never swapped for another.
    async () => (opts.version ? undefined : newestCachedTree(suite)),
    { what: `qemu source (${suite})`, progress, describe: (c) => c.debianVersion },
  );
  if ('cached' in asked) return asked.cached;
  const version = asked.online;
  return (await readMarker(treeDir(version))) ?? unpackSource(apt, suite, version, progress);
}

const treeDir = (version: string) => path.join(sourceRoot(), `qemu-${safeName(version)}`);

/** Versions of the qemu source package the private apt state knows. */
async function sourceVersions(apt: PrivateApt): Promise<string[]> {
  const { stdout } = await execa('apt-cache', [...apt.options(), 'showsrc', 'qemu'], { stdin: 'ignore' });
  const versions = new Set<string>();
  for (const record of stdout.split(/\n\s*\n/)) {
    if (!/^Package: qemu$/m.test(record)) continue;
    const v = /^Version: (\S+)$/m.exec(record)?.[1];
    if (v) versions.add(v);
  }
  return [...versions];
}

async function newestOf(versions: readonly string[]): Promise<string | undefined> {
  let best: string | undefined;
  for (const v of versions) if (!best || (await versionGreater(v, best))) best = v;
  return best;
}

/** Download, unpack into a scratch folder, patch, then move into place (so a tree is either whole or absent). */
async function unpackSource(apt: PrivateApt, suite: string, version: string, progress: Progress): Promise<DebianSource> {
  const dir = treeDir(version);
  // Another run may have made it while this one waited for the lock.
  return withCacheLock(dir, `qemu source ${version}`, async () => (await readMarker(dir)) ?? unpackSourceLocked(apt, suite, version, dir, progress), { progress });
}

async function unpackSourceLocked(apt: PrivateApt, suite: string, version: string, dir: string, progress: Progress): Promise<DebianSource> {
  const scratch = scratchDirFor(dir);
  const downloads = path.join(sourceRoot(), `download-${safeName(version)}`);
  await fs.rm(scratch, { recursive: true, force: true });
  await fs.mkdir(downloads, { recursive: true });
  progress(`qemu source (${suite}): downloading qemu ${version}`);
  try {
    await execa('apt-get', [...apt.options(), 'source', '--download-only', `qemu=${version}`], { cwd: downloads, stdin: 'ignore' });
  } catch (e) {
    throw new EnvironmentError(`downloading the qemu ${version} source failed: ${firstLine(e)}`, 'check that the Debian mirror in /etc/apt is reachable');
  }
  const files = await dscFiles(downloads, version);
  progress(`qemu source (${suite}): unpacking ${files.join(' ')}`);
  await fs.mkdir(scratch, { recursive: true });
  for (const f of files) {
    const file = path.join(downloads, f);
    // Format 3.0 (quilt): main .orig, optional .orig-<component> into <component>/, then debian/.
    const component = /\.orig-([A-Za-z0-9-]+)\.tar\.[a-z0-9]+$/.exec(f)?.[1];
    if (f.includes('.orig.tar.') || component) {
      const into = component ? path.join(scratch, component) : scratch;
      await fs.mkdir(into, { recursive: true });
      await execa('tar', ['-xf', file, '-C', into, '--strip-components=1', '--no-same-owner']);
    } else if (f.includes('.debian.tar.')) {
      await execa('tar', ['-xf', file, '-C', scratch, '--no-same-owner']);
    } else if (!f.endsWith('.dsc')) {
      throw new EnvironmentError(`qemu ${version} is not a "3.0 (quilt)" source (it has ${f})`, 'use a suite whose qemu source is in 3.0 (quilt) format');
    }
  }
  const patches = await applySeries(scratch, progress, suite);
  await fs.writeFile(path.join(scratch, SOURCE_MARKER), JSON.stringify({ suite, debianVersion: version, patches }, null, 2) + '\n');
  await fs.rm(dir, { recursive: true, force: true });
  await fs.rename(scratch, dir);
  await fs.rm(downloads, { recursive: true, force: true });
  return { suite, debianVersion: version, dir, patches };
}

/** The tarballs a .dsc names (its Files: section), orig first. */
async function dscFiles(downloads: string, version: string): Promise<string[]> {
  const dsc = (await fs.readdir(downloads)).find((n) => n.endsWith('.dsc'));
  if (!dsc) throw new EnvironmentError(`apt-get source left no .dsc for qemu ${version} in ${downloads}`, 'check the private apt state (delete it to start again)');
  const text = await fs.readFile(path.join(downloads, dsc), 'utf8');
  const format = /^Format: (.*)$/m.exec(text)?.[1]?.trim();
  if (format !== '3.0 (quilt)') throw new EnvironmentError(`qemu ${version} has source format "${format}", not "3.0 (quilt)"`, 'use a suite whose qemu source is in 3.0 (quilt) format');
  const section = /^Files:\n((?: .*\n?)+)/m.exec(text)?.[1] ?? '';
  const names = section
    .split('\n')
    .map((l) => l.trim().split(/\s+/)[2])
    .filter((n): n is string => !!n);
  const rank = (n: string) => (n.includes('.orig.tar.') ? 0 : n.includes('.orig-') ? 1 : 2);
  return names.sort((a, b) => rank(a) - rank(b));
}

/** Apply debian/patches/series in order, as dpkg-source would (no fuzz); returns how many. */
async function applySeries(tree: string, progress: Progress, suite: string): Promise<number> {
  const series = path.join(tree, 'debian', 'patches', 'series');
  if (!(await exists(series))) return 0;
  const entries = (await fs.readFile(series, 'utf8'))
    .split('\n')
    .map((l) => l.replace(/(^|\s)#.*$/, '').trim())
    .filter(Boolean);
  progress(`qemu source (${suite}): applying ${entries.length} patches of debian/patches/series`);
  for (const entry of entries) {
    const [name, strip = '-p1'] = entry.split(/\s+/);
    const r = await execa('patch', [strip, '--forward', '--batch', '--fuzz=0', '--no-backup-if-mismatch', '--reject-file=-', '-E', '-s', '-i', path.join(tree, 'debian', 'patches', name!)], { cwd: tree, reject: false, stdin: 'ignore', all: true });
    if (r.exitCode !== 0) {
      throw new EnvironmentError(`debian patch ${name} does not apply to ${tree}:\n${r.all}`, `try again (the unfinished ${tree} is removed by the next run or by \`msix-harness cache prune\`); if it persists, the source package changed format`);
    }
  }
  return entries.length;
}

async function readMarker(dir: string): Promise<DebianSource | undefined> {
  try {
    const m = JSON.parse(await fs.readFile(path.join(dir, SOURCE_MARKER), 'utf8')) as { suite: string; debianVersion: string; patches: number };
    return { suite: m.suite, debianVersion: m.debianVersion, dir, patches: m.patches };
  } catch {
    return undefined;
  }
}

/** The newest completely patched tree of `suite` in the cache, for when the lists cannot be refreshed. */
async function newestCachedTree(suite: string): Promise<DebianSource | undefined> {
  let best: DebianSource | undefined;
  for (const name of await fs.readdir(sourceRoot()).catch(() => [] as string[])) {
    if (!name.startsWith('qemu-') || isScratchName(name) || name.endsWith('.lock')) continue;
    const s = await readMarker(path.join(sourceRoot(), name));
    if (s && s.suite === suite && (!best || (await versionGreater(s.debianVersion, best.debianVersion)))) best = s;
  }
  return best;
}
