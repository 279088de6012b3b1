/**
 * Turning what the user named into QEMU builds: a path, debian:<suite>, the
 * QEMU_BINARY variable, or qemu-system-x86_64 on PATH, in that order.
 */
import fs from 'node:fs';
import path from 'node:path';
import { debianBuild, type Progress } from './debian-build.js';
import { EnvironmentError } from './errors.js';
import { probeBuild, type QemuBuild } from './qemu-build.js';

export async function resolveBuild(spec: string, progress: Progress): Promise<QemuBuild> {
  if (spec.startsWith('debian:')) {
    const d = await debianBuild(spec.slice('debian:'.length), progress);
    return probeBuild(spec, d.binary, d.dataDirs, d.env);
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
