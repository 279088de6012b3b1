/**
 * QEMU built from Debian's source package of a suite (`debian-src:<suite>`):
 * the patched tree (debian-source.ts), configured for the x86_64 system
 * emulator with the qtest accelerator and built in the tree's build folder
 * (source-build.ts), with newer build tools from Debian where the tree needs
 * them (build-tools.ts). Firmware comes from the same suite's data packages,
 * as Debian's DFSG tree has none. Cached: an up-to-date build takes seconds.
 */
import { noteUse } from '../cache/cache-use.js';
import path from 'node:path';
import { buildToolsEnv } from './build-tools.js';
import { fetchDebianQemu } from './debian-build.js';
import { debianQemuSource, sourceRoot, type DebianSource } from '../debian/debian-source.js';
import { compileQemuTree } from './source-build.js';
import type { Progress } from '../debian/unpacked-packages.js';

/** What probeBuild needs, plus where it came from. */
export interface BuiltQemu {
  readonly binary: string;
  readonly dataDirs: string[];
  readonly srcDir: string;
  readonly logFile: string;
  /** Debian version of the source, e.g. 1:7.2+dfsg-7+deb12u18. */
  readonly debianVersion: string;
}

/**
 * Build `suite`'s qemu source; `tree` may hand back another tree made from
 * it (a copy with a revert applied) to build instead.
 */
export async function compileDebianSource(suite: string, progress: Progress, tree?: (source: DebianSource) => Promise<string>): Promise<BuiltQemu> {
  const source = await debianQemuSource(progress, { suite });
  noteUse(source.dir);
  const srcDir = tree ? await tree(source) : source.dir;
  const firmware = (await fetchDebianQemu(source.suite, progress)).dataDirs;
  const logFile = path.join(sourceRoot(), 'logs', `${path.basename(srcDir)}.log`);
  const env = await buildToolsEnv(srcDir, suite, progress);
  const b = await compileQemuTree(srcDir, { progress, logFile, env });
  return { binary: b.binary, dataDirs: [...b.dataDirs, ...firmware], srcDir, logFile, debianVersion: source.debianVersion };
}
