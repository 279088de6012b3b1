/** The nested host's only userland before it chroots into the machine's root: busybox-static, unpacked from its .deb. */
import path from 'node:path';
import { EnvironmentError } from '../errors.js';
import { exists, newestUnpacked, safeName } from '../debian/unpacked-packages.js';
import { boxApt, boxCacheDir, unpackPackage, type Progress } from './debian-packages.js';

export interface BoxBusybox {
  readonly version: string;
  readonly binary: string;
}

export async function provisionBusybox(progress: Progress): Promise<BoxBusybox> {
  const base = path.join(boxCacheDir(), 'busybox');
  const { apt, fresh, error, codename } = await boxApt(progress);
  // The machine's own release's busybox, as the box always had.
  const version = fresh ? await apt.candidate('busybox-static', codename ?? 'stable').catch(() => undefined) : undefined;
  let dir: string;
  let v: string;
  if (version) {
    dir = path.join(base, safeName(version));
    v = version;
    await unpackPackage(apt, 'busybox-static', version, dir, progress);
  } else {
    const cached = await newestUnpacked(base);
    if (!cached) throw new EnvironmentError(`cannot resolve busybox-static${error ? ` (${error})` : ''}`, 'check that the Debian mirror in /etc/apt is reachable');
    ({ dir, version: v } = cached);
  }
  // bin/ up to bookworm's package, usr/bin/ from trixie's (merged /usr).
  for (const rel of ['root/bin/busybox', 'root/usr/bin/busybox']) {
    const binary = path.join(dir, rel);
    if (await exists(binary)) return { version: v, binary };
  }
  throw new EnvironmentError(`busybox-static ${v} has no bin/busybox or usr/bin/busybox`, `remove ${dir} and run again`);
}
