/**
 * The box's initramfs (cpio.gz): busybox, the modules in load order
 * (decompressed), /dev/console and the generated /init. Cached, keyed by the
 * kernel version, the busybox version and a hash of what goes in.
 */
import { createHash } from 'node:crypto';
import fs from 'node:fs/promises';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import { provisionBusybox } from './busybox.js';
import { cpioNewc, type CpioEntry } from './cpio.js';
import { exists, safeName } from '../debian/unpacked-packages.js';
import { boxCacheDir, type Progress } from './debian-packages.js';
import { BOX_PATHS, initScript, KVM_DRIVER, NET_DRIVER } from './init-script.js';
import type { BoxKernel } from './kernel.js';
import { modulesInLoadOrder } from './modules.js';

/** virtio-pci and 9p for the host root (virtio-pci is built in on 6.12, a module on 6.1), overlay for /tmp, vfio for the device; dependencies are found from each module. */
export const BOX_MODULES = ['virtio_pci', 'netfs', '9pnet', '9pnet_virtio', '9p', 'overlay', 'irqbypass', 'vfio', 'vfio_iommu_type1', 'vfio-pci-core', 'vfio-pci'] as const;
/** Loaded only when a run asks: the NIC's driver (BoxOptions.forwardPort) and KVM (BoxOptions.kvm); the box device's own driver is handed in by its plugin. */
const ON_REQUEST_MODULES = [NET_DRIVER, KVM_DRIVER] as const;
/** Bump when the archive's layout changes in a way the inputs do not show. */
const LAYOUT = 1;

export interface BoxInitramfs {
  readonly file: string;
  readonly modules: readonly string[];
}

/** The initramfs for a kernel, with the modules of `hostDrivers` (Linux driver names) ready to load on request. */
export async function provisionInitramfs(kernel: BoxKernel, hostDrivers: readonly string[], progress: Progress): Promise<BoxInitramfs> {
  const busybox = await provisionBusybox(progress);
  const always = await modulesInLoadOrder(kernel.modulesDir, BOX_MODULES);
  const driverModules: Record<string, string[]> = {};
  const modules = [...always];
  for (const d of [...new Set([...hostDrivers, ...ON_REQUEST_MODULES])]) {
    // A device's Linux driver is needed only to start the device on it (--host-driver), KVM only for a KVM run; a
    // kernel without it (Debian builds no rocker) still boots, and the init says so if the run asks for it.
    const found = await modulesInLoadOrder(kernel.modulesDir, [d]).catch((e: unknown) => {
      if (d === KVM_DRIVER || (hostDrivers.includes(d) && d !== NET_DRIVER)) return undefined;
      throw e;
    });
    if (!found) continue;
    const mods = found.filter((m) => !always.some((a) => a.name === m.name));
    driverModules[d] = mods.map((m) => m.name);
    for (const m of mods) if (!modules.some((x) => x.name === m.name)) modules.push(m);
  }
  const init = initScript(always.map((m) => m.name), driverModules);
  const key = createHash('sha256').update(`${LAYOUT}\n${busybox.version}\n${init}`).digest('hex').slice(0, 16);
  const dir = path.join(boxCacheDir(), 'initramfs');
  const file = path.join(dir, `${safeName(kernel.version)}-${key}.cpio.gz`);
  const names = modules.map((m) => m.name);
  if (await exists(file)) return { file, modules: names };
  progress(`box: building the initramfs for ${kernel.release} (${names.join(' ')})`);
  const entries: CpioEntry[] = [
    ...['bin', 'dev', 'box', 'lib', 'lib/modules', 'proc', 'sys', 'host'].map((p): CpioEntry => ({ kind: 'dir', path: p })),
    { kind: 'char', path: 'dev/console', major: 5, minor: 1 },
    { kind: 'file', path: 'bin/busybox', data: await fs.readFile(busybox.binary), mode: 0o755 },
    { kind: 'symlink', path: 'bin/sh', target: 'busybox' },
    ...modules.map((m): CpioEntry => ({ kind: 'file', path: `${BOX_PATHS.modules}/${m.name}.ko`, data: m.data })),
    { kind: 'file', path: 'init', data: Buffer.from(init), mode: 0o755 },
  ];
  await fs.mkdir(dir, { recursive: true });
  const tmp = `${file}.${process.pid}.tmp`;
  await fs.writeFile(tmp, gzipSync(cpioNewc(entries)));
  await fs.rename(tmp, file);
  return { file, modules: names };
}
