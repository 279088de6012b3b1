/**
 * Debian's QEMU builds without installing them: the packages of a suite are
 * downloaded into a private apt state and unpacked into the cache. The
 * newest version is resolved at each use (lists refreshed at most daily) and
 * recorded next to the unpacked tree. Any suite of the archive the machine's
 * apt configuration points at can be named (bookworm, trixie, sid, ...), and
 * `newest` picks the highest qemu-system-x86 across the current suites. A
 * build whose libraries are newer than the machine's gets its own: the
 * dependency closure from the same suite, unpacked beside it, started
 * through that closure's loader.
 */
import fs from 'node:fs/promises';
import path from 'node:path';
import { execa } from 'execa';
import { withCacheLock } from '../cache/cache-lock.js';
import { currentSuites, PrivateApt, sourcesForSuite, sourcesForSuites, systemAptTargets } from '../debian/apt-sources.js';
import { cacheRoot } from '../cache/cache-dir.js';
import { EnvironmentError } from '../errors.js';
import { launchCommand, SYSTEM_LIBRARIES, type Launch } from '../qemu/launch.js';
import { exists, firstLine, newestUnpacked, safeName, unpackOnce, versionGreater, type Progress } from '../debian/unpacked-packages.js';
import { onlineElseCached } from '../cache/online-else-cached.js';

/** The packages that make a runnable x86 system emulator with its firmware. */
const PACKAGES = ['qemu-system-x86', 'qemu-system-common', 'qemu-system-data', 'seabios', 'ipxe-qemu'] as const;
/** Written once a build's way of starting is known (and its closure unpacked, where it needs one). */
const LAUNCH_FILE = 'launch.json';
/** What the dynamic loader says when the machine's libraries are too old or missing. */
const LOADER_ERROR = /error while loading shared libraries|version `[^']+' not found|GLIBC_[0-9.]+'? not found/;

export interface UnpackedDebianBuild {
  readonly suite: string;
  /** Debian version of qemu-system-x86, e.g. 1:10.0.2+ds-2+deb13u1~bpo12+1. */
  readonly debianVersion: string;
  readonly binary: string;
  /** Firmware and data folders, each passed to QEMU with -L. */
  readonly dataDirs: readonly string[];
  /** Environment QEMU needs to load its own modules rather than the system's. */
  readonly env: Readonly<Record<string, string>>;
  readonly launch: Launch;
}

export type { Progress };

const SUITE_RE = /^[a-z]+(-[a-z]+)?$/;

export async function fetchDebianQemu(suite: string, progress: Progress): Promise<UnpackedDebianBuild> {
  if (suite === 'newest') return fetchDebianQemu(await newestSuite(progress), progress);
  if (!SUITE_RE.test(suite)) throw new EnvironmentError(`"${suite}" is not a Debian suite name`, 'use debian:bookworm, debian:trixie, debian:sid, debian:<suite>-backports or debian:newest');
  const base = path.join(cacheRoot(), 'debian', suite);
  const apt = new PrivateApt(path.join(base, 'apt'));
  const asked = await onlineElseCached(
    async () => {
      try {
        await apt.open(sourcesForSuite(await systemAptTargets(), suite), `debian:${suite}`, progress);
        return await apt.candidate('qemu-system-x86', suite);
      } catch (e) {
        if (e instanceof EnvironmentError) throw e;
        throw new EnvironmentError(`cannot resolve QEMU in debian:${suite}: ${firstLine(e)}`, 'check the suite name and that the Debian mirror in /etc/apt is reachable, or pass --qemu PATH');
      }
    },
    () => newestCached(base),
    { what: `debian:${suite}`, progress, describe: (c) => c.debianVersion },
  );
  if ('cached' in asked) return asked.cached;
  const version = asked.online;
  if (!version) throw new EnvironmentError(`debian:${suite} has no qemu-system-x86 package`, 'check the suite name, or pass --qemu PATH');
  const dir = path.join(base, safeName(version));
  const label = `debian:${suite}`;
  if (!(await exists(path.join(dir, '.complete')))) {
    // QEMU falls back to the installed build's module folder for any module
    // missing from ours and aborts on the mismatch, so take every module
    // package of the same version too (qemu-system-x86 recommends them pinned).
    const modules = await apt.pinned('qemu-system-x86', version, 'Recommends', suite);
    const pins: string[] = [];
    for (const p of [...PACKAGES, ...modules]) {
      const v = await apt.candidate(p, suite);
      if (!v) throw new EnvironmentError(`${label} has no ${p} package`, 'check the suite name, or pass --qemu PATH');
      pins.push(`${p}=${v}`);
    }
    await unpackOnce(apt, pins, version, dir, progress, label);
  }
  const described = describe(suite, dir, version, SYSTEM_LIBRARIES);
  return { ...described, launch: await launchOf(described, dir, apt, progress, label) };
}

/**
 * The suite with the highest qemu-system-x86 among the machine's release,
 * its backports and Debian's stable, testing and unstable (with backports),
 * named by codename (sid, trixie-backports...), so its cache is shared with
 * a build named that way.
 */
export async function newestSuite(progress: Progress): Promise<string> {
  const base = path.join(cacheRoot(), 'debian', 'newest');
  const apt = new PrivateApt(path.join(base, 'apt'));
  const last = path.join(base, 'suite');
  try {
    const targets = await systemAptTargets();
    const suites = await currentSuites(targets);
    await apt.open(sourcesForSuites(targets, suites), 'debian:newest', progress);
    let best: { version: string; suite: string } | undefined;
    for (const v of await apt.versions('qemu-system-x86')) {
      // The sources name suites by codename (currentSuites), so a serving suite is one debian:<suite> can name.
      const suite = v.suites.find((s) => SUITE_RE.test(s));
      if (suite && (!best || (await versionGreater(v.version, best.version)))) best = { version: v.version, suite };
    }
    if (!best) throw new EnvironmentError(`no suite of ${suites.join(', ')} has a qemu-system-x86 package`, 'check that the Debian mirror in /etc/apt is reachable, or name a suite: --qemu debian:<suite>');
    progress(`debian:newest: qemu-system-x86 ${best.version} from ${best.suite}`);
    await fs.writeFile(last, best.suite);
    return best.suite;
  } catch (e) {
    // Offline: the suite the last resolution chose, whose build is cached.
    const suite = await fs.readFile(last, 'utf8').catch(() => undefined);
    if (suite) {
      progress(`debian:newest: cannot resolve (${firstLine(e)}); using ${suite}, the newest when last resolved`);
      return suite;
    }
    if (e instanceof EnvironmentError) throw e;
    throw new EnvironmentError(`cannot resolve debian:newest: ${firstLine(e)}`, 'check that the Debian mirror in /etc/apt is reachable, or name a suite: --qemu debian:<suite>');
  }
}

/**
 * How this build starts: with the machine's libraries if it runs with them,
 * otherwise through its own library closure (downloaded and unpacked into
 * the same root once). Decided once per unpacked build and recorded.
 */
async function launchOf(build: UnpackedDebianBuild, dir: string, apt: PrivateApt, progress: Progress, label: string): Promise<Launch> {
  const recorded = await recordedLaunch(dir);
  if (recorded) return recorded;
  // One run at a time works out the launch (and fetches the libraries) of a build.
  return withCacheLock(path.join(dir, LAUNCH_FILE), `${label} libraries`, async () => (await recordedLaunch(dir)) ?? findLaunch(build, dir, apt, progress, label), { progress });
}

async function findLaunch(build: UnpackedDebianBuild, dir: string, apt: PrivateApt, progress: Progress, label: string): Promise<Launch> {
  const system = await tryVersion(build, SYSTEM_LIBRARIES);
  let launch: Launch = SYSTEM_LIBRARIES;
  if (system.exitCode !== 0) {
    if (!LOADER_ERROR.test(system.stderr)) throw new EnvironmentError(`${label}: ${build.binary} -version failed: ${firstLine(system.stderr || system.stdout)}`, `remove ${dir} and run again`);
    progress(`${label}: needs libraries this machine does not have (${firstLine(system.stderr)}); fetching its own`);
    launch = await unpackClosure(apt, dir, build.suite, progress, label);
    const own = await tryVersion(build, launch);
    if (own.exitCode !== 0) {
      throw new EnvironmentError(`${label}: does not start with its own libraries either: ${firstLine(own.stderr || own.stdout)}`, `remove ${dir} and run again; if it persists, pass --qemu PATH to a build for this machine`);
    }
  }
  await fs.writeFile(path.join(dir, LAUNCH_FILE), JSON.stringify({ libraries: launch.libraries }) + '\n');
  return launch;
}

function tryVersion(build: UnpackedDebianBuild, launch: Launch) {
  const c = launchCommand(build.binary, launch, ['-version']);
  return execa(c.file, c.args, { reject: false, stdin: 'ignore', timeout: 20_000, env: { ...build.env } });
}

/** The dependency closure of the build's packages from the same suite, unpacked into its root. */
async function unpackClosure(apt: PrivateApt, dir: string, suite: string, progress: Progress, label: string): Promise<Launch> {
  const root = path.join(dir, 'root');
  const have = new Set((await fs.readFile(path.join(dir, 'packages.txt'), 'utf8')).split('\n').filter(Boolean));
  let closure: string[];
  try {
    closure = await apt.closure([...have], suite);
  } catch (e) {
    throw new EnvironmentError(`${label}: cannot resolve the dependency closure: ${firstLine(e)}`, 'check that the Debian mirror in /etc/apt is reachable');
  }
  const missing = closure.filter((p) => !have.has(p));
  const debs = path.join(dir, 'closure-debs');
  progress(`${label}: downloading ${missing.length} library packages`);
  try {
    await apt.download(missing, debs);
  } catch (e) {
    throw new EnvironmentError(`${label}: downloading its libraries failed: ${firstLine(e)}`, 'check that the Debian mirror in /etc/apt is reachable');
  }
  progress(`${label}: unpacking its libraries into ${root}`);
  for (const f of (await fs.readdir(debs)).filter((n) => n.endsWith('.deb'))) await execa('dpkg-deb', ['-x', path.join(debs, f), root]);
  await fs.rm(debs, { recursive: true, force: true });
  await fs.writeFile(path.join(dir, 'closure.txt'), missing.join('\n') + '\n');
  return ownLaunch(root);
}

/**
 * The loader and library folders of an unpacked closure: merged-/usr or not,
 * its ld.so.conf.d folders, and every folder below them that holds shared
 * objects (libraries such as libpulse find their private ones through an
 * absolute RUNPATH, which points at the machine, not at the closure).
 */
async function ownLaunch(root: string): Promise<Launch> {
  const loaders = ['usr/lib/x86_64-linux-gnu/ld-linux-x86-64.so.2', 'lib/x86_64-linux-gnu/ld-linux-x86-64.so.2', 'usr/lib64/ld-linux-x86-64.so.2', 'lib64/ld-linux-x86-64.so.2'];
  let loader: string | undefined;
  for (const l of loaders) if (!loader && (await exists(path.join(root, l)))) loader = path.join(root, l);
  if (!loader) throw new EnvironmentError(`the unpacked closure in ${root} has no ld-linux-x86-64.so.2`, `remove ${path.dirname(root)} and run again`);
  const folders = ['usr/lib/x86_64-linux-gnu', 'lib/x86_64-linux-gnu'];
  const confDir = path.join(root, 'etc/ld.so.conf.d');
  for (const f of await fs.readdir(confDir).catch(() => [] as string[])) {
    for (const line of (await fs.readFile(path.join(confDir, f), 'utf8')).split('\n')) if (line.startsWith('/')) folders.push(line.trim().slice(1));
  }
  const libraryPath: string[] = [];
  const add = (p: string) => libraryPath.includes(p) || libraryPath.push(p);
  for (const f of folders) {
    const dir = path.join(root, f);
    const entries = await fs.readdir(dir, { withFileTypes: true }).catch(() => undefined);
    if (!entries) continue;
    add(dir);
    for (const e of entries) {
      if (!e.isDirectory()) continue;
      const names = await fs.readdir(path.join(dir, e.name)).catch(() => [] as string[]);
      if (names.some((n) => /^lib.*\.so(\.|$)/.test(n))) add(path.join(dir, e.name));
    }
  }
  return { libraries: 'own', loader, libraryPath, argv0: await loaderTakesArgv0(loader) };
}

/** Asked of the loader itself (its --help lists its options), not guessed from the suite. */
async function loaderTakesArgv0(loader: string): Promise<boolean> {
  const r = await execa(loader, ['--help'], { reject: false, stdin: 'ignore', timeout: 10_000, all: true });
  return /--argv0\b/.test(r.all ?? '');
}

/** What launch.json records: which way, not the paths (those follow from the root). */
type LaunchKind = Launch['libraries'];

async function recordedLaunch(dir: string): Promise<Launch | undefined> {
  const kind = await fs.readFile(path.join(dir, LAUNCH_FILE), 'utf8').then((s) => (JSON.parse(s) as { libraries: LaunchKind }).libraries, () => undefined);
  if (!kind) return undefined;
  return kind === 'own' ? ownLaunch(path.join(dir, 'root')) : SYSTEM_LIBRARIES;
}

function describe(suite: string, dir: string, debianVersion: string, launch: Launch): UnpackedDebianBuild {
  const root = path.join(dir, 'root');
  return {
    suite,
    debianVersion,
    binary: path.join(root, 'usr/bin/qemu-system-x86_64'),
    // Debian's binaries look only in absolute system folders for firmware; point them at ours.
    dataDirs: ['usr/share/qemu', 'usr/share/seabios', 'usr/lib/ipxe/qemu'].map((d) => path.join(root, d)),
    // Without this QEMU loads the installed build's modules and aborts ("Only modules from the same build").
    env: { QEMU_MODULE_DIR: path.join(root, 'usr/lib/x86_64-linux-gnu/qemu') },
    launch,
  };
}

async function newestCached(base: string): Promise<UnpackedDebianBuild | undefined> {
  const best = await newestUnpacked(base);
  if (!best) return undefined;
  const launch = (await recordedLaunch(best.dir)) ?? SYSTEM_LIBRARIES;
  return describe(path.basename(base), best.dir, best.version, launch);
}
