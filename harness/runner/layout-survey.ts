/**
 * The guest-visible layout of every MSI-X device a build offers, on each of
 * its versioned machine types (compare --layout): per machine type one QEMU
 * with the devices side by side (their defaults, or a plugin's properties),
 * read over qtest. A QEMU that will not start with all of them is retried
 * one device at a time, so one refusal leaves out one device, with QEMU's
 * words. Kept in the cache by the build's SHA-256, as the census is.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { QemuBuild } from '../builds/qemu-build.js';
import { cacheRoot } from '../cache/cache-dir.js';
import { QemuStartError } from '../errors.js';
import { readMsixCapability } from '../irq/msix-capability.js';
import { sizeBars } from '../pci/bars.js';
import { parseBdf } from '../pci/bdf.js';
import { configAccessFor } from '../pci/machines/index.js';
import { PciFunction } from '../pci/pci-function.js';
import { walkExtendedCapabilities } from '../pci/capabilities.js';
import { Machine } from '../qemu/machine.js';
import { deviceValue } from '../devices/device-line.js';
import type { DevicePlugin } from '../devices/device-plugin.js';
import { machineOf, versionedMachineTypes, type DeviceLayout, type DeviceLayoutResult, type LayoutSurvey } from '../results/device-layout.js';
import { devicesOffered } from './device-census.js';

const SURVEYS_AT_ONCE = 2;
/** Bumped when what a survey records changes. */
const FORMAT = 2;
/** Root-bus slots free on both machines (q35 has its LPC, SATA and SMBus at 1f). */
const FIRST_SLOT = 0x04;
const LAST_SLOT = 0x1e;
const hex2 = (n: number) => n.toString(16).padStart(2, '0');
const capText = (c: { id: number; offset: number }) => `${hex2(c.id)}@${c.offset.toString(16)}`;

/** The build's versioned machine types (QMP query-machines). */
export async function machineTypesOf(build: QemuBuild): Promise<string[]> {
  const m = await Machine.launch(build, { machine: 'q35' });
  try {
    return versionedMachineTypes((await m.qmp.execute<{ name: string }[]>('query-machines')).map((x) => x.name));
  } finally {
    await m.shutdown();
  }
}

/** Every MSI-X device of the build (plugins' and the census'), on each of `machineTypes`; cached per build and type. */
export async function surveyLayouts(build: QemuBuild, machineTypes: readonly string[], progress: (m: string) => void): Promise<LayoutSurvey[]> {
  const devices = (await devicesOffered([build], progress)).filter((d) => !d.sriovPf && build.devices.has(d.driver) && !d.notOn?.has(build.sha256));
  // Two QEMUs at a time: starting one with every device is most of the work, and single-threaded.
  return pool(machineTypes, SURVEYS_AT_ONCE, async (type): Promise<LayoutSurvey> => {
    const file = path.join(cacheRoot(), 'layout', `${build.sha256.slice(0, 16)}-${type}-${FORMAT}.json`);
    try {
      return JSON.parse(fs.readFileSync(file, 'utf8')) as LayoutSurvey;
    } catch {
      /* survey it */
    }
    progress(`layout of ${devices.length} MSI-X devices on QEMU ${build.label}, ${type}`);
    const survey: LayoutSurvey = { machineType: type, devices: await surveyType(build, type, devices) };
    fs.mkdirSync(path.dirname(file), { recursive: true });
    fs.writeFileSync(`${file}.${process.pid}.${type}.tmp`, JSON.stringify(survey));
    fs.renameSync(`${file}.${process.pid}.${type}.tmp`, file);
    return survey;
  });
}

/** `work` on every item, at most `n` at once; results in the items' order. */
async function pool<T, R>(items: readonly T[], n: number, work: (item: T) => Promise<R>): Promise<R[]> {
  const out: R[] = new Array(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      out[i] = await work(items[i]!);
    }
  };
  await Promise.all(Array.from({ length: Math.min(n, items.length) }, worker));
  return out;
}

async function surveyType(build: QemuBuild, type: string, devices: readonly DevicePlugin[]): Promise<DeviceLayoutResult[]> {
  const results: DeviceLayoutResult[] = [];
  const queue = [...devices];
  // Slots some device's other functions take (igb's VFs sit 16 slots on): found when QEMU says so, then left free.
  const taken = new Set<number>();
  while (queue.length) {
    const slots = Array.from({ length: LAST_SLOT - FIRST_SLOT + 1 }, (_, i) => FIRST_SLOT + i).filter((s) => !taken.has(s));
    const group = queue.splice(0, slots.length);
    const r = await layoutsOn(build, type, group, slots);
    if (Array.isArray(r)) {
      results.push(...r);
      continue;
    }
    const inUse = /slot (\d+) function \d+ not available/.exec(r.said);
    if (inUse && group.length > 1 && !taken.has(Number(inUse[1]))) {
      taken.add(Number(inUse[1]));
      queue.unshift(...group);
      continue;
    }
    // QEMU named the device it refused (or one that cannot sit beside another): that one alone, the rest again.
    const refused = group.find((d) => r.said.includes(`-device ${d.driver},`)) ?? group[0]!;
    const alone = await layoutsOn(build, type, [refused], slots);
    results.push(...(Array.isArray(alone) ? alone : [{ device: refused.name, leftOut: `QEMU refuses it on ${type}: ${alone.said}` }]));
    queue.unshift(...group.filter((d) => d !== refused));
  }
  return results.sort((a, b) => a.device.localeCompare(b.device));
}

/** One QEMU with `devices` in `slots`: their layouts, or what QEMU said when it would not start. */
async function layoutsOn(build: QemuBuild, type: string, devices: readonly DevicePlugin[], slots: readonly number[]): Promise<DeviceLayoutResult[] | { said: string }> {
  const slot = (i: number) => `${hex2(slots[i]!)}.0`;
  const machine = machineOf(type);
  let m: Machine;
  try {
    m = await Machine.launch(build, { machine, machineVersion: type, args: devices.flatMap((d, i) => ['-device', deviceValue(d, { addr: slot(i) })]) });
  } catch (e) {
    if (!(e instanceof QemuStartError)) throw e;
    return { said: e.said('first', { keepDevice: true }) };
  }
  try {
    const cfg = await configAccessFor[machine](m.qtest);
    const out: DeviceLayoutResult[] = [];
    for (const [i, d] of devices.entries()) {
      const fn = new PciFunction(m.qtest, cfg, parseBdf(`00:${slot(i)}`));
      out.push((await fn.ids()) ? { device: d.name, layout: await readLayout(fn) } : { device: d.name, leftOut: `no function at 00:${slot(i)} on ${type}` });
    }
    return out;
  } finally {
    await m.shutdown();
  }
}

/** The function's layout as a guest reads it, BARs sized but not placed. */
async function readLayout(fn: PciFunction): Promise<DeviceLayout> {
  const [id, rev, sub] = [await fn.read(0x00, 4), await fn.read(0x08, 4), await fn.read(0x2c, 4)];
  const msix = await readMsixCapability(fn);
  return {
    header: {
      vendor: id & 0xffff,
      device: id >>> 16,
      revision: rev & 0xff,
      classCode: rev >>> 8,
      headerType: await fn.read(0x0e, 1),
      subsystemVendor: sub & 0xffff,
      subsystem: sub >>> 16,
      interruptPin: await fn.read(0x3d, 1),
    },
    capabilities: (await fn.capabilities()).map(capText),
    extendedCapabilities: (await walkExtendedCapabilities(fn.cfg, fn.bdf)).map(capText),
    bars: (await sizeBars(fn.cfg, fn.bdf)).map((b) => ({ index: b.index, kind: b.kind, prefetchable: b.prefetchable, size: b.size })),
    msix: msix ? { tableSize: msix.tableSize, tableBir: msix.tableBir, tableOffset: msix.tableOffset, pbaBir: msix.pbaBir, pbaOffset: msix.pbaOffset } : null,
  };
}
