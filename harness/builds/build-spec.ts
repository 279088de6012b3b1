/**
 * Turning what the user named into QEMU builds: a path, debian:<suite>
 * (or debian:newest), debian-src:<suite> (that suite's source package built
 * here, with the qtest accelerator), a kind handed in by the caller (the
 * regression fixtures' seed:released and seed:reverted), the QEMU_BINARY
 * variable, or qemu-system-x86_64 on PATH, in that order.
 */
import fs from 'node:fs';
import path from 'node:path';
import { createHash } from 'node:crypto';
import { execa } from 'execa';
import { cacheRoot } from '../cache/cache-dir.js';
import { fetchDebianQemu, type Progress } from './debian-build.js';
import { compileQemuTree } from './source-build.js';
import { compileDebianSource } from './debian-source-build.js';
import { EnvironmentError } from '../errors.js';
import { probeBuild, type QemuBuild } from './qemu-build.js';
import type { BuildFiles } from './qemu-build.js';

/** A kind of build spec, "<prefix>:<rest>"; a caller may add its own (the regression fixtures add seed:). */
export interface SpecKind {
  readonly prefix: string;
  /** For the error that lists the kinds: "debian:<suite>". */
  readonly usage: string;
  resolve(rest: string, progress: Progress): Promise<BuildFiles>;
}

/** The kinds every caller has; a plain path (no known prefix) is a binary. */
export const BUILTIN_KINDS: readonly SpecKind[] = [
  { prefix: 'debian', usage: 'debian:<suite> (or debian:newest)', resolve: (suite, progress) => fetchDebianQemu(suite, progress) },
  { prefix: 'debian-src', usage: 'debian-src:<suite>', resolve: (suite, progress) => compileDebianSource(suite, progress) },
];

/** One mechanism for every kind: the prefix picks it; an unknown prefix is an error that lists them. */
export async function resolveBuild(spec: string, progress: Progress, extra: readonly SpecKind[] = []): Promise<QemuBuild> {
  const kinds = [...BUILTIN_KINDS, ...extra];
  const prefix = /^([a-z][a-z0-9.-]*):/.exec(spec)?.[1];
  const kind = prefix !== undefined ? kinds.find((k) => k.prefix === prefix) : undefined;
  if (kind) return probeBuild(spec, await kind.resolve(spec.slice(prefix!.length + 1), progress));
  if (prefix !== undefined && !fs.existsSync(spec)) {
    throw new EnvironmentError(`"${spec}" names no kind of build "${prefix}:"`, `use a path to qemu-system-x86_64, or one of ${kinds.map((k) => k.usage).join(', ')}; a source tree is --qemu-src DIR`);
  }
  return probeBuild(spec, { binary: path.resolve(spec) });
}

/** Firmware QEMU loads even under qtest (SeaBIOS for q35/pc, option ROMs of NICs). */
const FIRMWARE_PROBE = 'bios-256k.bin';
/** Where --qemu-src trees are built (untracked, so git status and bisect leave it alone). */
export const BUILD_FOLDER = 'build-msix-harness';

/**
 * A QEMU source tree (--qemu-src DIR), built in its own build folder
 * (incremental; `buildCmd` replaces configure + ninja) and probed. Trees
 * without firmware (Debian's DFSG source) get Debian's 7.2 firmware packages.
 */
export async function resolveSourceBuild(dir: string, progress: Progress, buildCmd?: string): Promise<QemuBuild> {
  const src = path.resolve(dir);
  if (!fs.existsSync(path.join(src, 'configure')) || !fs.existsSync(path.join(src, 'hw', 'pci', 'msix.c'))) {
    throw new EnvironmentError(`${src} is not a QEMU source tree (no configure or hw/pci/msix.c)`, 'pass the top folder of a QEMU checkout to --qemu-src');
  }
  // A build folder of its own beside QEMU's usual build/: compile lines then read the same in every
  // tree (../hw/...), so ccache serves one tree's objects to another, and bisect steps rebuild little.
  const buildDir = path.join(src, BUILD_FOLDER);
  const id = `${path.basename(src)}-${createHash('sha256').update(src).digest('hex').slice(0, 8)}`;
  const b = await compileQemuTree(src, { buildDir, logFile: path.join(cacheRoot(), 'logs', `${id}.log`), progress, ...(buildCmd ? { command: buildCmd } : {}) });
  const dataDirs = b.dataDirs.some((d) => fs.existsSync(path.join(d, FIRMWARE_PROBE))) ? b.dataDirs : [...b.dataDirs, ...(await fetchDebianQemu('bookworm', progress)).dataDirs];
  return probeBuild(`src:${src}@${await describe(src)}`, { binary: b.binary, dataDirs, sourceTree: src });
}

/** The tree's commit (git describe), or "tree" outside git. */
async function describe(src: string): Promise<string> {
  const r = await execa('git', ['-C', src, 'describe', '--always', '--dirty', '--tags'], { reject: false, stdin: 'ignore' });
  return r.exitCode === 0 ? r.stdout.trim() : 'tree';
}

/** The specs to use when none was given on the command line. */
export function defaultSpecs(): string[] {
  const env = process.env['QEMU_BINARY'];
  if (env) return [env];
  for (const dir of (process.env['PATH'] ?? '').split(path.delimiter)) {
    const p = path.join(dir, 'qemu-system-x86_64');
    if (dir && fs.existsSync(p)) return [p];
  }
  throw new EnvironmentError('no QEMU build named and none found', 'pass --qemu PATH (repeatable) or --qemu debian:bookworm, set QEMU_BINARY, or install qemu-system-x86');
}
