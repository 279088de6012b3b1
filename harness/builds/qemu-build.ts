/**
 * A QEMU build: where its binary and data are, and what it is, probed from
 * the binary itself: version (from QMP, as QEMU reports it), SHA-256,
 * whether it has the qtest accelerator, and which devices it has.
 */
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import { execa } from 'execa';
import type { QmpVersion } from '../protocol/qmp-client.js';
import { connectQmp, qmpArgs, QMP_SOCKET } from '../qemu/qmp-socket.js';
import { QemuProcess, checkExecutable } from '../qemu/qemu-process.js';
import { describeExit, EnvironmentError } from '../errors.js';
import { KNOWN_BUGS } from '../expect/known-bugs.js';
import { commitIsAncestor, detectTraits, type Traits } from '../expect/traits.js';
import { launchCommand, SYSTEM_LIBRARIES, type AccelMode, type Launch, type QemuBinary } from '../qemu/launch.js';

export type { AccelMode };

/** A QEMU binary probed: what it is, which devices it has, how it behaves. */
export interface QemuBuild extends QemuBinary {
  /** What the user asked for: a path, debian:<suite>, or how it was found. */
  readonly spec: string;
  readonly version: QmpVersion;
  readonly sha256: string;
  readonly devices: ReadonlySet<string>;
  /** ICH9's ACPI hot-plug of bridges exists (6.1+; ICH9-LPC's acpi-pci-hotplug-with-bridge-support): on q35 it takes the root ports' slots unless turned off. */
  readonly ich9AcpiBridgeHotplug: boolean;
  /** Behaviour epochs, each with where its value came from (harness/expect/traits.ts). */
  readonly traits: Traits;
  /** The binary was built with KVM (`-accel help` lists it), so --accel kvm can run it. */
  readonly hasKvm: boolean;
  /** For a source tree with git history: which known bugs' fixes it has (by bug id), where git can tell. */
  readonly knownFixes: Readonly<Record<string, boolean>>;
}

export function versionString(v: QmpVersion): string {
  return `${v.major}.${v.minor}.${v.micro}`;
}

/**
 * The environment variable that hands already probed builds (serializeBuilds)
 * to `msix-harness run` in another process, such as inside the box, where
 * probing again under TCG would be slow and the cache is read-only.
 */
export const PROBED_BUILDS_ENV = 'MSIX_HARNESS_BUILDS';

/** A build as JSON, to hand an already probed build to another process (the box) without probing again. */
export function serializeBuilds(builds: readonly QemuBuild[]): string {
  return JSON.stringify(builds.map((b) => ({ ...b, devices: [...b.devices] })));
}

export function deserializeBuilds(json: string): QemuBuild[] {
  return (JSON.parse(json) as (Omit<QemuBuild, 'devices'> & { devices: string[] })[]).map((b) => ({ ...b, devices: new Set(b.devices) }));
}

export interface BuildFiles {
  readonly binary: string;
  /** The source tree it was built from, if any (git history answers trait and fix questions). */
  readonly sourceTree?: string;
  readonly dataDirs?: readonly string[];
  readonly env?: Readonly<Record<string, string>>;
  readonly launch?: Launch;
}

export async function probeBuild(spec: string, files: BuildFiles): Promise<QemuBuild> {
  const { binary, dataDirs = [], env = {}, launch = SYSTEM_LIBRARIES } = files;
  const dataArgs = dataDirs.flatMap((d) => ['-L', d]);
  const [accelHelp, deviceHelp] = await Promise.all([help(files, [...dataArgs, '-accel', 'help']), help(files, [...dataArgs, '-device', 'help'])]);
  const accels = accelHelp.split('\n').map((l) => l.trim());
  const devices = new Set([...deviceHelp.matchAll(/^name "([^"]+)"/gm)].map((m) => m[1]!));
  const { proc, sockets } = await QemuProcess.spawn({
    binary,
    env,
    launch,
    args: [...dataArgs, '-machine', 'none', '-accel', 'tcg', '-S', '-nodefaults', '-display', 'none'],
    sockets: [QMP_SOCKET],
    argsFor: (p) => qmpArgs(p(QMP_SOCKET)),
  });
  let version: QmpVersion;
  let hasQtest = false;
  let ich9AcpiBridgeHotplug = false;
  try {
    const qmp = await connectQmp(sockets[0]!);
    version = qmp.version;
    // `-accel help` leaves qtest out on purpose (up to 7.2 at least), so ask QOM which accelerator classes exist.
    const types = (await qmp.execute('qom-list-types', { implements: 'accel', abstract: false })) as { name: string }[];
    hasQtest = types.some((t) => t.name === 'qtest-accel') || accels.includes('qtest');
    const lpc = devices.has('ICH9-LPC') || (await qmp.execute<{ name: string }[]>('qom-list-types', { implements: 'pci-device' })).some((t) => t.name === 'ICH9-LPC');
    ich9AcpiBridgeHotplug = lpc && (await qmp.execute<{ name: string }[]>('qom-list-properties', { typename: 'ICH9-LPC' })).some((p) => p.name === 'acpi-pci-hotplug-with-bridge-support');
    await proc.shutdown(
      [
        { stage: 'quit', timeoutMs: 3000 },
        { stage: 'SIGKILL', timeoutMs: 3000 },
      ],
      () => qmp.execute('quit'),
    );
  } finally {
    await proc.shutdown([{ stage: 'SIGKILL', timeoutMs: 3000 }]);
  }
  const accel: AccelMode = hasQtest ? 'qtest' : 'tcg-stopped';
  const bytes = await fs.promises.readFile(binary);
  const traits = await detectTraits({ binary: bytes, version, ...(files.sourceTree ? { gitTree: files.sourceTree } : {}) });
  const knownFixes: Record<string, boolean> = {};
  if (files.sourceTree) for (const bug of KNOWN_BUGS) {
    if (!bug.fixedBy) continue;
    const has = await treeHasFix(files.sourceTree, bug.fixedBy);
    if (has !== undefined) knownFixes[bug.id] = has;
  }
  const sha = createHash('sha256').update(bytes).digest('hex');
  return { spec, binary, dataDirs, env, launch, version, sha256: sha, accel, hasKvm: accels.includes('kvm'), devices, ich9AcpiBridgeHotplug, label: `${versionString(version)} (${spec})`, traits, knownFixes };
}

async function help(files: BuildFiles, args: string[]): Promise<string> {
  const { binary } = files;
  checkExecutable(binary);
  const cmd = launchCommand(binary, files.launch ?? SYSTEM_LIBRARIES, args);
  const r = await execa(cmd.file, cmd.args, { reject: false, stdin: 'ignore', timeout: 20_000, env: { ...files.env } });
  if (r.exitCode !== 0) {
    throw new EnvironmentError(`${binary} ${args.join(' ')} failed (${describeExit({ code: r.exitCode ?? null, signal: (r.signal as NodeJS.Signals | undefined) ?? null })}): ${(r.stderr || r.stdout).split('\n').slice(0, 3).join(' / ')}`, 'check that this is a working qemu-system-x86_64 (missing shared libraries show up here: install qemu-system-x86 from apt to get them)');
  }
  return r.stdout;
}

/** The fix itself is an ancestor of HEAD, or a commit says it was cherry picked from it (a stable backport). */
async function treeHasFix(tree: string, commit: string): Promise<boolean | undefined> {
  const ancestor = await commitIsAncestor(tree, commit);
  if (ancestor) return true;
  const picked = await execa('git', ['-C', tree, 'log', '--format=%H', '-i', `--grep=cherry picked from commit ${commit}`], { reject: false, stdin: 'ignore' });
  if (picked.exitCode !== 0) return undefined;
  if (picked.stdout.trim()) return true;
  return ancestor;
}
