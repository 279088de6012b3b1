/**
 * `--qemu stable-7.2:v7.2.N`: one release of QEMU's 7.2 stable branch, built
 * from the plain stable history (stable-history.ts) at its tag. The history
 * has one build folder, so a release after another rebuilds only what the
 * stable diffs between them touched (ccache serves the rest); each release's
 * binary is then kept in its own cache folder, so a second sweep builds
 * nothing. Firmware comes from Debian's bookworm data packages (the DFSG
 * tree has none).
 */
import fs from 'node:fs/promises';
import path from 'node:path';
import { execa } from 'execa';
import type { SpecKind } from '../builds/build-spec.js';
import { fetchDebianQemu } from '../builds/debian-build.js';
import { compileQemuTree } from '../builds/source-build.js';
import type { BuildFiles } from '../builds/qemu-build.js';
import { withCacheLock } from '../cache/cache-lock.js';
import { noteUse } from '../cache/cache-use.js';
import { sourceRoot } from '../debian/debian-source.js';
import { exists, type Progress } from '../debian/unpacked-packages.js';
import { EnvironmentError } from '../errors.js';
import { plainStableHistory } from './stable-history.js';

const BINARY = 'qemu-system-x86_64';

/** Where each release's binary is kept once built. */
function releaseDir(tag: string): string {
  return path.join(sourceRoot(), 'qemu-7.2-stable-builds', tag);
}

/** The binary of one 7.2 stable release (e.g. "v7.2.5"), built if not kept yet. */
export async function compileStableRelease(tag: string, progress: Progress): Promise<BuildFiles> {
  const firmware = (await fetchDebianQemu('bookworm', progress)).dataDirs;
  const kept = path.join(releaseDir(tag), BINARY);
  if (!(await exists(kept))) {
    const history = await plainStableHistory(progress);
    if (!history.tags.includes(tag)) throw new EnvironmentError(`the 7.2 stable history has no release ${tag}`, `use one of stable-7.2:${history.tags[0]} .. stable-7.2:${history.tags.at(-1)}`);
    await withCacheLock(history.dir, `building ${tag}`, async () => {
      if (await exists(kept)) return;
      progress(`stable-7.2: checking out ${tag} in ${history.dir}`);
      // --force: the build never writes into the tree, but an interrupted checkout may have left it half-way.
      await execa('git', ['-C', history.dir, 'checkout', '-q', '--force', '--detach', tag], { stdin: 'ignore' });
      await splitVersionMacros(history.dir);
      const b = await compileQemuTree(history.dir, { progress, logFile: path.join(sourceRoot(), 'logs', `qemu-7.2-stable-${tag}.log`) });
      const scratch = `${kept}.partial`;
      await fs.mkdir(path.dirname(kept), { recursive: true });
      await fs.copyFile(b.binary, scratch);
      await fs.rename(scratch, kept);
    }, { progress });
  }
  noteUse(path.dirname(releaseDir(tag)));
  return { binary: kept, dataDirs: firmware };
}

/** The four version macros QEMU's meson.build puts in config-host.h. */
const VERSION_LINES = /^config_host_data\.set\('QEMU_VERSION(?:_MAJOR|_MINOR|_MICRO)?', .*\)$/gm;
const VERSION_HEADER = 'qemu-version-macros.h';

/**
 * A build-only change, made after each checkout (the next one undoes it):
 * the version macros move from config-host.h, which every file includes,
 * to a header of their own that only their users include. Each stable
 * release changes VERSION, and with it config-host.h; with the macros
 * moved, ccache still finds every other object by its includes' contents
 * (direct mode), so a release builds in a minute, not from scratch. The
 * binary is the same: the same macros, the same values.
 */
export async function splitVersionMacros(tree: string): Promise<void> {
  const mesonFile = path.join(tree, 'meson.build');
  const meson = await fs.readFile(mesonFile, 'utf8');
  const lines = meson.match(VERSION_LINES) ?? [];
  if (lines.length !== 4) throw new EnvironmentError(`${mesonFile} sets ${lines.length} QEMU_VERSION macros in config-host.h, not the 4 this build expects`, `delete ${tree} and build again; if it persists, the stable history changed how QEMU's version is configured`);
  const moved = lines.map((l) => l.replace('config_host_data.set', 'version_macros.set'));
  let out = meson.replace(lines[0]!, ['version_macros = configuration_data()', ...moved, `configure_file(output: '${VERSION_HEADER}', configuration: version_macros)`].join('\n'));
  for (const l of lines.slice(1)) out = out.replace(`${l}\n`, '');
  // Unlink first: an unchanged file of the history may still be a hard link into Debian's unpacked source.
  await rewrite(mesonFile, out);
  const users = (await execa('git', ['-C', tree, 'grep', '-l', '-E', '\\bQEMU_VERSION(_MAJOR|_MINOR|_MICRO)?\\b', '--', '*.c'], { stdin: 'ignore', reject: false })).stdout.split('\n').filter(Boolean);
  for (const rel of users) {
    const file = path.join(tree, rel);
    const text = await fs.readFile(file, 'utf8');
    const osdep = '#include "qemu/osdep.h"\n';
    const include = `#include "${VERSION_HEADER}"\n`;
    await rewrite(file, text.includes(osdep) ? text.replace(osdep, osdep + include) : include + text);
  }
}

async function rewrite(file: string, text: string): Promise<void> {
  await fs.rm(file);
  await fs.writeFile(file, text);
}

/** `--qemu stable-7.2:v7.2.N` (or `stable-7.2:7.2.N`). */
export const stableReleaseSpec: SpecKind = {
  prefix: 'stable-7.2',
  usage: 'stable-7.2:v7.2.N (a 7.2 stable release, built from Debian\'s source package)',
  resolve(release, progress) {
    const tag = release.startsWith('v') ? release : `v${release}`;
    if (!/^v7\.2\.\d+$/.test(tag)) throw new EnvironmentError(`"stable-7.2:${release}" names no 7.2 stable release`, 'use stable-7.2:v7.2.0 .. stable-7.2:v7.2.22');
    return compileStableRelease(tag, progress);
  },
};
