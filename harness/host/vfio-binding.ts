/**
 * Binding the one device the user named to vfio-pci, and putting it back.
 * What is saved (driver, driver_override, SR-IOV VF count) is restored on
 * release, on error and on Ctrl-C; restoring is synchronous so it can run
 * from an exit handler. Before anything is written, the binding journal
 * records it and the janitor is told, so a SIGKILLed harness's device is put
 * back too. Devices the user did not name are never bound: a group with
 * other devices still on host drivers is refused instead.
 */
import fs from 'node:fs';
import path from 'node:path';
import { EnvironmentError } from '../errors.js';
import { currentDriver, forgetBinding, readTrimmed, recordBinding, restoreBinding, type SavedBinding } from '../janitor/binding-journal.js';
import { janitorWatch } from '../janitor/janitor.js';
import { deviceDir, type HostRoots, REAL_HOST } from './pci-sysfs.js';
import { pollUntil } from '../poll.js';

export type { SavedBinding };

export type BindingState = 'already-vfio' | 'bound' | 'restored';

export interface BindOptions {
  /** Bind even when the device backs a mounted filesystem or an up network interface. */
  readonly force?: boolean;
  readonly roots?: HostRoots;
  readonly progress?: (m: string) => void;
  /** How long to wait for a driver to (un)bind. */
  readonly timeoutMs?: number;
}

/** Drivers vfio itself accepts on the other devices of a group. */
const GROUP_SAFE_DRIVERS = new Set(['vfio-pci', 'pci-stub', 'pcieport']);
const live = new Set<VfioBinding>();

export class VfioBinding {
  private journal: string | undefined;

  private constructor(
    readonly saved: SavedBinding,
    private state: BindingState,
    private readonly roots: HostRoots,
    private readonly timeoutMs: number,
  ) {}

  get current(): BindingState {
    return this.state;
  }

  /**
   * Bind `bdf` (which the user named) to vfio-pci. A device already on
   * vfio-pci is left as it is and will not be touched on release.
   */
  static async bind(bdf: string, opts: BindOptions = {}): Promise<VfioBinding> {
    const roots = opts.roots ?? REAL_HOST;
    const timeoutMs = opts.timeoutMs ?? 10_000;
    const checked = checkBindable(bdf, roots, opts.force ?? false);
    if (checked.driver === 'vfio-pci') return new VfioBinding(checked, 'already-vfio', roots, timeoutMs);
    const b = new VfioBinding(checked, 'bound', roots, timeoutMs);
    live.add(b);
    const dir = deviceDir(bdf, roots);
    try {
      b.journal = recordBinding(checked, roots.sys);
      janitorWatch.journal(b.journal);
      opts.progress?.(`binding ${bdf} to vfio-pci (was ${checked.driver ?? 'no driver'}${checked.numVfs ? `, ${checked.numVfs} VFs` : ''}); it is put back when the run ends`);
      if (checked.numVfs) sysWrite(path.join(dir, 'sriov_numvfs'), '0');
      sysWrite(path.join(dir, 'driver_override'), 'vfio-pci');
      if (checked.driver) sysWrite(path.join(dir, 'driver', 'unbind'), bdf);
      sysWrite(path.join(roots.sys, 'bus/pci/drivers_probe'), bdf);
      await waitDriver(dir, 'vfio-pci', timeoutMs);
    } catch (e) {
      b.restoreNow();
      throw e;
    }
    return b;
  }

  /** Put the device back as it was (idempotent; synchronous, so exit handlers can call it). */
  restoreNow(): void {
    if (this.state !== 'bound') return;
    live.delete(this);
    this.state = 'restored';
    const { bdf, driver, override, numVfs } = this.saved;
    const problems = restoreBinding(this.saved, this.roots.sys, this.timeoutMs);
    if (problems.length) {
      process.stderr.write(`msix-harness: could not fully restore ${bdf}: ${problems.join('; ')}\n  restore it by hand: driver ${driver ?? 'none'}, driver_override "${override}"${numVfs ? `, sriov_numvfs ${numVfs}` : ''}; \`msix-harness restore\` retries from the journal\n`);
    } else if (this.journal) {
      forgetBinding(this.journal);
      janitorWatch.forgetJournal(this.journal);
    }
  }
}

/** Restore every device still bound by this process (exit and signal handlers). */
export function restoreAllBindingsNow(): number {
  const n = live.size;
  for (const b of [...live]) b.restoreNow();
  return n;
}

/** Every refusal, before anything is written. */
export function checkBindable(bdf: string, roots: HostRoots, force: boolean): SavedBinding {
  const dir = deviceDir(bdf, roots);
  if (!fs.existsSync(dir)) throw new EnvironmentError(`no PCI device ${bdf} on this host`, 'check the address with lspci -D');
  if (process.getuid?.() !== 0 && roots === REAL_HOST) throw new EnvironmentError(`binding ${bdf} to vfio-pci needs root`, 'run as root (sudo)');
  const group = readLink(path.join(dir, 'iommu_group'));
  if (!group) throw new EnvironmentError(`${bdf} has no IOMMU group: the IOMMU is off or absent`, 'enable it (intel_iommu=on or amd_iommu=on on the kernel command line, VT-d/AMD-Vi in the firmware), or run the vfio suite in the box (no --host-device)');
  if (!fs.existsSync(path.join(roots.sys, 'bus/pci/drivers/vfio-pci'))) {
    throw new EnvironmentError('the vfio-pci driver is not loaded', 'modprobe vfio-pci (the vfio, vfio_iommu_type1 and vfio-pci modules must exist for this kernel)');
  }
  const driver = currentDriver(dir);
  const blockers = fs
    .readdirSync(path.join(group, 'devices'))
    .filter((other) => other !== bdf)
    .map((other) => [other, currentDriver(deviceDir(other, roots))] as const)
    .filter(([, d]) => d !== undefined && !GROUP_SAFE_DRIVERS.has(d));
  if (blockers.length) {
    throw new EnvironmentError(
      `${bdf} shares IOMMU group ${path.basename(group)} with ${blockers.map(([o, d]) => `${o} (on ${d})`).join(', ')}; vfio needs the whole group off host drivers`,
      'msix-harness binds only the device you name: unbind those devices yourself, or pick a device alone in its group',
    );
  }
  if (driver !== 'vfio-pci' && !force) {
    const uses = [...mountedFilesystems(dir, roots), ...upInterfaces(dir)];
    if (uses.length) throw new EnvironmentError(`${bdf} is in use by the host: ${uses.join(', ')}`, 'unmount or bring the interface down first, or pass --force if you are sure');
  }
  const numVfs = readNumber(path.join(dir, 'sriov_numvfs'));
  return { bdf, ...(driver ? { driver } : {}), override: unsetIsEmpty(readTrimmed(path.join(dir, 'driver_override'))), ...(numVfs ? { numVfs } : {}) };
}

/** Block devices (disks and partitions) below the device, from /sys/class/block, that are mounted. */
function mountedFilesystems(dir: string, roots: HostRoots): string[] {
  const real = realpathOr(dir);
  const devs = new Map<string, string>();
  for (const e of safeReaddir(path.join(roots.sys, 'class/block'))) {
    const node = realpathOr(path.join(roots.sys, 'class/block', e.name));
    const dev = node.startsWith(real + path.sep) ? readTrimmed(path.join(node, 'dev')) : undefined;
    if (dev) devs.set(dev, e.name);
  }
  if (!devs.size) return [];
  const out: string[] = [];
  for (const line of (readTrimmed(path.join(roots.proc, 'self/mountinfo')) ?? '').split('\n')) {
    const f = line.split(' ');
    const name = f[2] && devs.get(f[2]);
    if (name) out.push(`/dev/${name} mounted on ${f[4]}`);
  }
  return out;
}

function realpathOr(p: string): string {
  try {
    return fs.realpathSync(p);
  } catch {
    return p;
  }
}

/** Network interfaces of the device that are administratively up (IFF_UP). */
function upInterfaces(dir: string): string[] {
  return safeReaddir(path.join(dir, 'net'))
    .filter((e) => (parseInt(readTrimmed(path.join(dir, 'net', e.name, 'flags')) ?? '0', 16) & 1) === 1)
    .map((e) => `network interface ${e.name} is up`);
}

async function waitDriver(dir: string, want: string, timeoutMs: number): Promise<void> {
  await pollUntil(() => currentDriver(dir), (d) => d === want, { timeoutMs, intervalMs: 20, timeout: (d) => new EnvironmentError(`${path.basename(dir)} did not bind to ${want} within ${timeoutMs} ms (it is on ${d ?? 'no driver'})`, 'see dmesg for the driver\'s reason') });
}

function sysWrite(file: string, value: string): void {
  fs.writeFileSync(file, value);
}

/** Where a sysfs link points (resolved from the real folder: /sys/bus/pci/devices/X is itself a link). */
function readLink(p: string): string | undefined {
  try {
    fs.readlinkSync(p);
    return fs.realpathSync(p);
  } catch {
    return undefined;
  }
}


/** driver_override reads "(null)" when unset. */
const unsetIsEmpty = (t: string | undefined) => (t === undefined || t === '(null)' ? '' : t);

function readNumber(p: string): number | undefined {
  const t = readTrimmed(p);
  return t === undefined ? undefined : Number(t);
}

function safeReaddir(d: string): fs.Dirent[] {
  try {
    return fs.readdirSync(d, { withFileTypes: true });
  } catch {
    return [];
  }
}
