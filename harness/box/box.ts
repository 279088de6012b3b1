/**
 * The nested vfio host ("box"), a command runner in the virtme-ng manner:
 * boot a real Debian kernel under the outer QEMU (TCG, q35 with an
 * intel-iommu doing interrupt remapping, one emulated MSI-X NIC), share the
 * machine's root read-only over 9p, hand the NIC to vfio-pci inside, chroot
 * into the shared root, run one command there, return its exit code.
 * Nothing is installed inside; no device of this machine is touched.
 */
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import { LineChannel } from '../protocol/line-channel.js';
import type { QmpClient } from '../protocol/qmp-client.js';
import { fetchDebianQemu } from '../builds/debian-build.js';
import { BoxError, EnvironmentError, describeExit } from '../errors.js';
import { QemuProcess } from '../qemu/qemu-process.js';
import { connectQmp, qmpArgs, QMP_SOCKET } from '../qemu/qmp-socket.js';
import type { Launch } from '../qemu/launch.js';
import type { Progress } from './debian-packages.js';
import { provisionInitramfs, type BoxInitramfs } from './initramfs.js';
import { jobArchive } from './job-archive.js';
import { cacheRoot } from '../cache/cache-dir.js';
import { provisionKernel, resolveKernelSeries, type BoxKernel, type KernelSeries } from './kernel.js';

export { BOX_DEVICE_BDF, type BoxHardware } from './box-hardware.js';
import { BOX_DEVICE_BDF, BOX_DEVICE_SLOT, type BoxHardware } from './box-hardware.js';
/**
 * With forwardPort: the box's NIC (virtio-net, on QEMU's user network with
 * restrict=on, so the box reaches nothing) has this address, and
 * 127.0.0.1:PORT here reaches BOX_NET_ADDRESS:PORT there.
 */
export const BOX_NET_ADDRESS = '10.0.2.15';
const BOX_NET_SLOT = '05.0';
const TAIL_LINES = 40;

export interface BoxOptions {
  /** A series (6.1, 6.12, 7.3 ...) or newest. */
  readonly kernel: KernelSeries;
  readonly device: BoxHardware;
  readonly command: readonly string[];
  /** Working directory of the command (a path of this machine, seen read-only). Default: process.cwd(). */
  readonly cwd?: string;
  readonly env?: Readonly<Record<string, string>>;
  /**
   * Leave the device on its own Linux driver (loaded for it) instead of
   * binding it to vfio-pci at boot: for testing the harness's own binding.
   */
  readonly hostDriver?: boolean;
  /**
   * Forward 127.0.0.1:PORT of this machine to BOX_NET_ADDRESS:PORT in the
   * box (the same number on both sides, so a URL printed inside works here).
   */
  readonly forwardPort?: number;
  /**
   * Load KVM in the box (kvm_amd: the outer -cpu max offers SVM), so QEMUs
   * inside can run with -accel kvm; the boot fails, saying why, where
   * /dev/kvm does not appear.
   */
  readonly kvm?: boolean;
  /** More kernel command-line arguments (a kernel option to try: module_blacklist=..., rdinit=...). */
  readonly kernelArgs?: readonly string[];
  /** From starting the outer QEMU to the command's exit marker. */
  readonly timeoutMs: number;
  /** The command's output (stdout and stderr, interleaved on the console), line by line. */
  readonly onOutput?: (line: string) => void;
  /** Every console line, boot messages included. */
  readonly onConsole?: (line: string) => void;
  readonly progress?: Progress;
}

/**
 * A stage of the boot and its time: 'outer' (the outer QEMU's start, its
 * firmware and the kernel's load, which the kernel's clock does not see),
 * then the init's stages as the box's kernel clock dates their ends:
 * 'kernel' (to /init), 'modules', 'mounts' (9p, vfio binding, the host
 * root), 'kvm-anchor' (with KVM).
 */
export interface BootStage {
  readonly stage: string;
  readonly ms: number;
}

export interface BoxResult {
  readonly exitCode: number;
  /** Outer QEMU start to the command starting. */
  readonly bootMs: number;
  /** Command start to its exit marker. */
  readonly commandMs: number;
  /** Outer QEMU start to the outer QEMU gone. */
  readonly totalMs: number;
  /** bootMs split into its stages, in order (see bootStages). */
  readonly stages: readonly BootStage[];
  readonly kernel: BoxKernel;
  readonly outerQemu: string;
}

export interface Provisioned {
  readonly kernel: BoxKernel;
  readonly initramfs: BoxInitramfs;
  readonly outer: { readonly binary: string; readonly args: readonly string[]; readonly env: Readonly<Record<string, string>>; readonly launch: Launch; readonly label: string };
}

/** Kernel, initramfs and outer QEMU for a box: downloaded and built once, then from the cache. */
export async function provisionBox(kernelSeries: string, device: BoxHardware, progress: Progress = () => undefined): Promise<Provisioned> {
  if (!device.outerQemu.startsWith('debian:')) throw new EnvironmentError(`the box's outer QEMU for ${device.name} is "${device.outerQemu}", not a Debian build`, "name a debian:<suite> build in the device plugin's box facts");
  const kernel = await provisionKernel(await resolveKernelSeries(kernelSeries, progress), progress);
  const initramfs = await provisionInitramfs(kernel, [device.linuxDriver], progress);
  const d = await fetchDebianQemu(device.outerQemu.slice('debian:'.length), progress);
  return { kernel, initramfs, outer: { binary: d.binary, args: d.dataDirs.flatMap((x) => ['-L', x]), env: d.env, launch: d.launch, label: `${d.debianVersion} (${device.outerQemu})` } };
}

/** Boots tried in all when the kernel panics while booting. */
const BOOT_TRIES = 3;

/**
 * Boot the box and run the command. A kernel panic while booting, before the
 * command started, is retried: under TCG the guest kernel's own code
 * patching (int3 on one vCPU while another runs that code) has been seen to
 * panic a boot, with no harness or QEMU under test involved: about once in
 * a few hundred boots, though twice running once on a loaded machine. Such
 * a panic shows within seconds, so a retry is cheap.
 */
export async function runInBox(o: BoxOptions): Promise<BoxResult> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await bootAndRun(o);
    } catch (e) {
      if (!(e instanceof BoxError) || !e.duringBoot || attempt >= BOOT_TRIES) throw e;
      o.progress?.(`box: the kernel panicked while booting, before the command started (${e.reason.split('\n')[0]}); boot ${attempt + 1} of at most ${BOOT_TRIES}`);
    }
  }
}

async function bootAndRun(o: BoxOptions): Promise<BoxResult> {
  const p = await provisionBox(o.kernel, o.device, o.progress);
  const nonce = randomBytes(8).toString('hex');
  const job = jobArchive({ command: o.command, cwd: o.cwd ?? process.cwd(), env: { MSIX_HARNESS_CACHE: cacheRoot(), ...o.env }, vfioBdfs: o.hostDriver ? [] : [BOX_DEVICE_BDF], hostDrivers: o.hostDriver ? [o.device.linuxDriver] : [], ...(o.forwardPort !== undefined ? { net: { bdf: `0000:00:${BOX_NET_SLOT}`, address: BOX_NET_ADDRESS } } : {}), ...(o.kvm ? { kvm: true } : {}), nonce });
  const t0 = performance.now();
  const { proc, sockets } = await QemuProcess.spawn({
    binary: p.outer.binary,
    env: p.outer.env,
    launch: p.outer.launch,
    args: [
      ...p.outer.args,
      ...['-machine', 'q35', '-accel', 'tcg', '-cpu', 'max', '-smp', '2', '-m', '2G'],
      ...['-nodefaults', '-display', 'none', '-no-reboot', '-no-user-config'],
      // The IOMMU must come before the devices it translates for.
      ...['-device', 'intel-iommu,intremap=on', '-device', `${o.device.device},addr=${BOX_DEVICE_SLOT}`],
      ...['-fsdev', 'local,path=/,readonly=on,security_model=none,multidevs=remap,id=hostroot', '-device', 'virtio-9p-pci,fsdev=hostroot,mount_tag=hostroot'],
      ...(o.forwardPort !== undefined ? forwardArgs(o.forwardPort) : []),
      ...['-kernel', p.kernel.vmlinuz, '-append', ['console=ttyS0 intel_iommu=on iomem=relaxed panic=-1 quiet loglevel=3', ...(o.kernelArgs ?? [])].join(' ')],
    ],
    sockets: ['serial.sock', QMP_SOCKET],
    argsFor: (sock) => {
      // The private folder exists now: the run's initrd (job archive + cached image) goes there.
      const initrd = sock('initrd.img');
      fs.writeFileSync(initrd, Buffer.concat([job, fs.readFileSync(p.initramfs.file)]), { mode: 0o600 });
      return ['-initrd', initrd, '-chardev', `socket,id=ser,path=${sock('serial.sock')}`, '-serial', 'chardev:ser', ...qmpArgs(sock(QMP_SOCKET))];
    },
  });
  const tail: string[] = [];
  let qmp: QmpClient | undefined;
  try {
    qmp = await connectQmp(sockets[1]!);
    const outcome = await watchConsole(new LineChannel(sockets[0]!, { name: 'serial' }), nonce, tail, proc, o);
    const end = performance.now();
    const fail = (reason: string, duringBoot = false) => new BoxError(reason, tail.slice(-TAIL_LINES), proc.commandLine, duringBoot);
    if (outcome.kind === 'exit') {
      // The init powers off by itself; give it a moment before the staged shutdown below.
      await Promise.race([proc.exited, new Promise((r) => setTimeout(r, 3000))]);
      const bootMs = Math.round(outcome.startedAt - t0);
      return { exitCode: outcome.code, bootMs, stages: bootStages(bootMs, outcome.stages), commandMs: Math.round(end - outcome.startedAt), totalMs: Math.round(performance.now() - t0), kernel: p.kernel, outerQemu: p.outer.label };
    }
    if (outcome.kind === 'fail') throw fail(`its init reported: ${outcome.why}`);
    // panic=-1 and -no-reboot: a panic ends the outer QEMU at once.
    // The panic line itself: its call trace can push it out of the tail.
    const panic = outcome.kind === 'exited' ? outcome.panic : undefined;
    if (outcome.kind === 'exited' && panic) throw fail(`the kernel panicked: ${panic.slice(panic.indexOf('Kernel panic'))}`, !outcome.started);
    if (outcome.kind === 'exited') throw fail(`the outer QEMU exited (${describeExit(outcome.status)}) before the command's exit marker${proc.stderrTail() ? `; QEMU stderr:\n${proc.stderrTail()}` : ''}`);
    throw fail(`no exit marker within ${o.timeoutMs} ms${outcome.started ? ' (the command was still running)' : ' (the command had not started)'}`);
  } finally {
    const q = qmp;
    await proc.shutdown(
      [
        { stage: 'quit', timeoutMs: 3000 },
        { stage: 'SIGTERM', timeoutMs: 3000 },
        { stage: 'SIGKILL', timeoutMs: 3000 },
      ],
      q ? () => q.execute('quit') : undefined,
    );
    q?.close();
  }
}

type Outcome =
  | { kind: 'exit'; code: number; startedAt: number; stages: readonly [string, number][] }
  | { kind: 'fail'; why: string }
  | { kind: 'exited'; status: { code: number | null; signal: NodeJS.Signals | null }; started: boolean; panic?: string }
  | { kind: 'timeout'; started: boolean };

/** Reads the console until the exit marker, a failure the init reports, a panic, QEMU's exit, or the timeout. */
function watchConsole(serial: LineChannel, nonce: string, tail: string[], proc: QemuProcess, o: BoxOptions): Promise<Outcome> {
  const start = `BOX-START-${nonce}`;
  const exit = new RegExp(`BOX-EXIT-${nonce} (\\d+)`);
  const failed = `BOX-FAIL-${nonce} `;
  const stage = new RegExp(`BOX-STAGE-${nonce} (\\S+) ([\\d.]+)`);
  const stages: [string, number][] = [];
  return new Promise<Outcome>((resolve) => {
    let startedAt: number | undefined;
    const timer = setTimeout(() => done({ kind: 'timeout', started: startedAt !== undefined }), o.timeoutMs);
    let settled = false;
    const done = (r: Outcome) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      resolve(r);
    };
    // QEMU's exit can overtake the console's last lines (a panic's): they get until the console closes, at most a second.
    let consoleClosed = false;
    let panicLine: string | undefined;
    let onConsoleClose: (() => void) | undefined;
    void proc.exited.then((status) => {
      const finish = () => done({ kind: 'exited', status, started: startedAt !== undefined, ...(panicLine ? { panic: panicLine } : {}) });
      if (consoleClosed) return finish();
      onConsoleClose = finish;
      setTimeout(finish, 1000);
    });
    serial.attach({
      line(raw) {
        if (settled) return;
        const line = raw.replace(/\r/g, '');
        tail.push(line);
        if (!panicLine && line.includes('Kernel panic - not syncing')) panicLine = line;
        if (tail.length > TAIL_LINES) tail.shift();
        o.onConsole?.(line);
        const m = exit.exec(line);
        if (m && startedAt !== undefined) {
          // Output without a final newline shares the marker's line.
          if (m.index > 0) o.onOutput?.(line.slice(0, m.index));
          return done({ kind: 'exit', code: Number(m[1]), startedAt, stages });
        }
        const s = startedAt === undefined ? stage.exec(line) : null;
        if (s) return void stages.push([s[1]!, Number(s[2]) * 1000]);
        if (line.includes(failed)) return done({ kind: 'fail', why: line.slice(line.indexOf(failed) + failed.length) });
        if (line.includes(start) && startedAt === undefined) {
          startedAt = performance.now();
          return;
        }
        if (startedAt !== undefined) o.onOutput?.(line);
      },
      close() {
        consoleClosed = true;
        onConsoleClose?.();
      },
    });
  });
}

/** The boot's stages from the init's kernel-clock stamps: each stage ends at its stamp; the outer part is what the kernel's clock did not see. */
export function bootStages(bootMs: number, stamps: readonly [string, number][]): BootStage[] {
  const out: BootStage[] = [];
  let prev = 0;
  for (const [stage, at] of stamps) {
    out.push({ stage, ms: Math.round(at - prev) });
    prev = at;
  }
  return [{ stage: 'outer', ms: Math.max(0, Math.round(bootMs - prev)) }, ...out];
}

/** User networking with no way out (restrict=on) but the one forward in; romfile= as no PXE boot is wanted. */
function forwardArgs(port: number): string[] {
  if (!Number.isInteger(port) || port < 1 || port > 65535) throw new EnvironmentError(`port ${port} is not a TCP port`, 'use 1..65535');
  return ['-netdev', `user,id=fwd,restrict=on,ipv6=off,hostfwd=tcp:127.0.0.1:${port}-${BOX_NET_ADDRESS}:${port}`, '-device', `virtio-net-pci,netdev=fwd,addr=${BOX_NET_SLOT},romfile=`];
}

/** The folder the box's caches live in, for messages. */
export { boxCacheDir } from './debian-packages.js';
