/**
 * Turning what the user named into QEMU builds: a path, debian:<suite>,
 * seed:released or seed:reverted (Debian's 7.2 built from source as released
 * or with the founding fix reverted), the QEMU_BINARY variable, or
 * qemu-system-x86_64 on PATH, in that order.
 */
import fs from 'node:fs';
import path from 'node:path';
import { debianBuild, type Progress } from './debian-build.js';
import { EnvironmentError } from './errors.js';
import { probeBuild, type QemuBuild } from './qemu-build.js';
import { SEED_VARIANTS, seedRegressionBuild, type SeedVariant } from './seed-revert.js';

export async function resolveBuild(spec: string, progress: Progress): Promise<QemuBuild> {
  if (spec.startsWith('debian:')) {
    const d = await debianBuild(spec.slice('debian:'.length), progress);
    return probeBuild(spec, d.binary, d.dataDirs, d.env);
  }
  if (spec.startsWith('seed:')) {
    const variant = spec.slice('seed:'.length);
    if (!(SEED_VARIANTS as readonly string[]).includes(variant)) throw new EnvironmentError(`unknown seed build "${spec}"`, `use ${SEED_VARIANTS.map((v) => `seed:${v}`).join(' or ')}`);
    const b = await seedRegressionBuild(variant as SeedVariant, progress);
    return probeBuild(spec, b.binary, b.dataDirs);
  }
  return probeBuild(spec, path.resolve(spec));
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
