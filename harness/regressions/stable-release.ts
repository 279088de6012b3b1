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
