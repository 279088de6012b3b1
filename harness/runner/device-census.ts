/**
 * Every PCI device a build offers, found from the build itself: QMP's type
 * list (non-abstract types implementing pci-device), each instantiated with
 * its defaults on a fresh QEMU, and what it turned out to have: an MSI-X
 * capability (its table size and BAR), MSI only, neither, or why it could
 * not be added (it needs a backend, a bus of its own, ...). Found once per
 * build and machine type, and kept in the cache by the build's SHA-256.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { QemuBuild } from '../builds/qemu-build.js';
import { cacheRoot } from '../cache/cache-dir.js';
import { QemuStartError } from '../errors.js';
import { MsiDriver } from '../irq/msi.js';
import { MsixDriver } from '../irq/msix.js';
import { Window } from '../pci/bars.js';
import { parseBdf } from '../pci/bdf.js';
import { configAccessFor } from '../pci/machines/index.js';
import { PciFunction } from '../pci/pci-function.js';
import { Machine, type MachineType } from '../qemu/machine.js';
import type { Census, MsixDeviceFound } from '../results/census.js';
import type { DevicePlugin } from '../devices/device-plugin.js';
import { contractDevice } from '../devices/contract-device.js';
import { emulatedDevicePlugins } from '../devices/index.js';

export type { Census };
type MsixDevice = MsixDeviceFound;

const SLOT = '04.0';
/** Bumped when what a census records changes. */
const FORMAT = 1;
/** Types that cannot stand alone at a root slot by their nature, said once here rather than started to fail. */
const NOT_ALONE: Readonly<Record<string, string>> = {
  'vfio-pci': 'passes a host device through (the vfio suite covers it)',
  'vfio-pci-nohotplug': 'passes a host device through (the vfio suite covers it)',
  'pci-testdev': "the harness's own message counter",
};

export async function deviceCensus(build: QemuBuild, machine: MachineType, progress: (m: string) => void): Promise<Census> {
  const file = path.join(cacheRoot(), 'census', `${build.sha256.slice(0, 16)}-${machine}-${FORMAT}.json`);
  try {
    return JSON.parse(fs.readFileSync(file, 'utf8')) as Census;
  } catch {
    /* take it */
  }
  const types = await pciTypes(build, machine);
  progress(`census of QEMU ${build.label} (${machine}): ${types.length} PCI device types, each started once`);
  const msix: MsixDevice[] = [];
  const leftOut: { name: string; reason: string }[] = [];
  for (const name of types) {
    if (NOT_ALONE[name]) {
      leftOut.push({ name, reason: NOT_ALONE[name]! });
      continue;
    }
    const r = await inspectType(build, machine, name);
    if ('reason' in r) leftOut.push({ name, reason: r.reason });
    else msix.push(r);
  }
  const census: Census = { machine, found: types.length, msix, leftOut };
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(`${file}.${process.pid}.tmp`, JSON.stringify(census, null, 2));
  fs.renameSync(`${file}.${process.pid}.tmp`, file);
  return census;
}

async function pciTypes(build: QemuBuild, machine: MachineType): Promise<string[]> {
  const m = await Machine.launch(build, { machine });
  try {
    const list = await m.qmp.execute<{ name: string }[]>('qom-list-types', { implements: 'pci-device', abstract: false });
    return list.map((t) => t.name).sort();
  } finally {
    await m.shutdown();
  }
}

async function inspectType(build: QemuBuild, machine: MachineType, name: string): Promise<MsixDevice | { reason: string }> {
  let m: Machine;
  try {
    m = await Machine.launch(build, { machine, args: ['-device', `${name},addr=${SLOT}`] });
  } catch (e) {
    if (!(e instanceof QemuStartError)) throw e;
    return { reason: `QEMU refuses it with its defaults: ${e.said()}` };
  }
  try {
    return await inspectFunction(m, machine, name);
  } catch (e) {
    return { reason: `could not be inspected: ${(e as Error).message.split('\n')[0]}` };
  } finally {
    await m.shutdown();
  }
}

async function inspectFunction(m: Machine, machine: MachineType, name: string): Promise<MsixDevice | { reason: string }> {
  {
    const fn = new PciFunction(m.qtest, await configAccessFor[machine](m.qtest), parseBdf(`00:${SLOT}`));
    if (!(await fn.ids())) return { reason: `no function at 00:${SLOT} (it sits elsewhere, or on a bus of its own)` };
    await fn.placeBars({ mmio: new Window('32-bit MMIO', 0xc0000000, 0xfec00000), io: new Window('I/O', 0xc000, 0x10000) });
    const msix = await MsixDriver.attach(fn);
    if (msix) return { name, vectors: msix.vectors, tableBar: msix.cap.tableBir };
    return { reason: (await MsiDriver.attach(fn)) ? 'MSI only, no MSI-X' : 'neither MSI-X nor MSI' };
  }
}

/**
 * `--device all`: every plugin's device, and every other MSI-X device the
 * builds offer (the census of each), with the contract only. A device only
 * some builds have is skipped on the others, with the reason.
 */
export async function devicesOffered(builds: readonly QemuBuild[], progress: (m: string) => void, onCensus?: (build: QemuBuild, c: Census) => void): Promise<DevicePlugin[]> {
  const censuses = new Map<QemuBuild, Census>();
  for (const b of builds) {
    const c = await deviceCensus(b, 'q35', progress);
    censuses.set(b, c);
    onCensus?.(b, c);
  }
  const plugins = new Set(emulatedDevicePlugins.map((p) => p.driver));
  const found = new Map<string, MsixDevice>();
  for (const c of censuses.values()) for (const d of c.msix) if (!plugins.has(d.name) && !found.has(d.name)) found.set(d.name, d);
  // A device some builds list without MSI-X (an older model) is skipped there with what its census found.
  const notOn = (name: string) =>
    new Map([...censuses].flatMap(([b, c]) => (c.msix.some((d) => d.name === name) ? [] : [[b.sha256, c.leftOut.find((l) => l.name === name)?.reason ?? 'not offered'] as const])));
  return [...emulatedDevicePlugins, ...[...found.values()].map((d) => contractDevice(d, notOn(d.name)))];
}

