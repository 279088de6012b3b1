/**
 * A copy of an unpacked QEMU source tree (hard links, no build folder) with
 * one file changed, made once and marked; the file is unlinked before it is
 * written, so the original tree never changes. The seed revert and the
 * source mutants are both such trees.
 */
import { createHash } from 'node:crypto';
import fs from 'node:fs/promises';
import path from 'node:path';
import { execa } from 'execa';
import { SOURCE_MARKER, sourceRoot, type DebianSource } from '../debian/debian-source.js';
import { exists, type Progress } from '../debian/unpacked-packages.js';
import { scratchDirFor } from '../cache/scratch-dir.js';

const PATCH_MARKER = '.msix-harness-patch.json';

export interface TreePatch {
  /** Names the copy: qemu-<version>-<suffix>. */
  readonly suffix: string;
  /** The file changed, relative to the tree. */
  readonly file: string;
  /** The new text from the old; throws where the old text is not as expected. */
  readonly apply: (text: string) => string;
  /** Recorded in the marker: what the change is. */
  readonly what: string;
}

export async function patchedTree(base: DebianSource, patch: TreePatch, progress: Progress): Promise<string> {
  const dir = path.join(sourceRoot(), `qemu-${path.basename(base.dir).slice('qemu-'.length)}-${patch.suffix}`);
  // Reused while the change is the same (the changed file's hash in the marker); the seed revert's older marker has none.
  const changed = patch.apply(await fs.readFile(path.join(base.dir, patch.file), 'utf8'));
  const sha = createHash('sha256').update(changed).digest('hex');
  const marker = await fs.readFile(path.join(dir, PATCH_MARKER), 'utf8').then((t) => JSON.parse(t) as { sha256?: string }).catch(() => undefined);
  if (marker?.sha256 === sha || (!marker && (await exists(path.join(dir, '.msix-harness-revert.json'))))) return dir;
  progress(`${patch.what}: copying ${base.dir} (hard links) to ${dir}`);
  const scratch = scratchDirFor(dir);
  await fs.rm(scratch, { recursive: true, force: true });
  await fs.mkdir(scratch, { recursive: true });
  const entries = (await fs.readdir(base.dir)).filter((n) => n !== 'build' && n !== SOURCE_MARKER);
  await execa('cp', ['-al', '-t', scratch, ...entries.map((n) => path.join(base.dir, n))]);
  const file = path.join(scratch, patch.file);
  // Unlink first: writing through the hard link would change the base tree too.
  await fs.rm(file);
  await fs.writeFile(file, changed);
  await fs.writeFile(path.join(scratch, PATCH_MARKER), JSON.stringify({ patch: patch.what, file: patch.file, base: base.debianVersion, sha256: sha }, null, 2) + '\n');
  await fs.rm(dir, { recursive: true, force: true });
  await fs.rename(scratch, dir);
  return dir;
}
