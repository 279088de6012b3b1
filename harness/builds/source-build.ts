/**
 * Building a QEMU source tree: out of tree, x86_64 system emulator only,
 * every optional feature off, incremental (configure only when the build
 * folder is new or was configured differently, then ninja), with ccache when
 * it is on PATH. The output goes to a log file; a failure names it and shows
 * its tail, so a regression fixture that does not build says why.
 */
import fs from 'node:fs';
import fsp from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { execa } from 'execa';
import { withCacheLock } from '../cache/cache-lock.js';
import { cacheRoot } from '../cache/cache-dir.js';
import { describeExit, EnvironmentError } from '../errors.js';
import { exists, type Progress } from '../debian/unpacked-packages.js';
import { shellQuote } from '../shell-quote.js';

/** The Debian packages a build needs (scripts/setup installs them). */
export const BUILD_PACKAGES = ['gcc', 'libc6-dev', 'make', 'ninja-build', 'meson', 'pkg-config', 'python3', 'libglib2.0-dev', 'libpixman-1-dev', 'zlib1g-dev', 'libfdt-dev'] as const;
const INSTALL_FIX = `apt-get install --no-install-recommends ${BUILD_PACKAGES.join(' ')} (ccache optional, for faster rebuilds)`;
const TOOLS = ['cc', 'make', 'ninja', 'meson', 'pkg-config', 'python3'] as const;
const TAIL_LINES = 30;

/**
 * Only the x86_64 system emulator, with every optional feature off
 * (--without-default-features: no slirp, vnc, gtk, tools, docs...).
 * What stays is what the harness uses: TCG, the qtest accelerator (always
 * built for softmmu), KVM (--accel kvm: the box loads it), vfio (Linux,
 * from Kconfig) and the default devices.
 */
export const DEFAULT_CONFIGURE_ARGS: readonly string[] = [
  '--target-list=x86_64-softmmu',
  '--without-default-features',
  '--disable-docs',
  '--disable-werror',
  '--disable-user',
  '--disable-tools',
  '--disable-guest-agent',
  '--disable-slirp',
  // Debian's DFSG trees carry no firmware blobs (10.0's meson.build stops at the first missing one); -L supplies them.
  '--disable-install-blobs',
  // x86_64 needs libfdt (TARGET_NEED_FDT) and Debian's tree has no bundled dtc.
  '--enable-fdt=system',
  // For --accel kvm (the box loads KVM); a tree configured before this was added is configured again, once.
  '--enable-kvm',
];

export interface BuildOptions {
  /** Default `<srcDir>/build`, so every tree's compile lines are the same relative to it (ccache hits across trees). */
  readonly buildDir?: string;
  /** Replaces DEFAULT_CONFIGURE_ARGS (ccache is added as --cc when on PATH). */
  readonly configureArgs?: readonly string[];
  /** Default `ninja -j <cores> qemu-system-x86_64`, run in the build folder. */
  readonly buildCmd?: readonly string[];
  /**
   * The user's own build command (`--build CMD`), run with sh in the source
   * tree instead of configure + ninja; the binary is then looked for where
   * QEMU's own build puts it (build/, the tree itself).
   */
  readonly command?: string;
  readonly progress: Progress;
  /** More environment for configure and the build (newer build tools, see build-tools.ts). */
  readonly env?: Readonly<Record<string, string>>;
  /** Everything configure and the build print; truncated at each call. */
  readonly logFile: string;
}

export interface TreeBuild {
  readonly binary: string;
  readonly buildDir: string;
  /** Firmware/data folders the build tree itself provides (for -L); may be empty. */
  readonly dataDirs: string[];
  readonly logFile: string;
  /** Whether configure ran this time. */
  readonly configured: boolean;
}

/** Configure (if needed) and build `srcDir`; returns the x86_64 system emulator. */
export async function compileQemuTree(srcDir: string, opts: BuildOptions): Promise<TreeBuild> {
  const buildDir = path.resolve(opts.buildDir ?? path.join(path.resolve(srcDir), 'build'));
  // Two runs building one tree at once would share its build folder: one at a time.
  return withCacheLock(buildDir, `building ${path.basename(path.resolve(srcDir))}`, () => compileLocked(srcDir, buildDir, opts), { progress: opts.progress });
}

async function compileLocked(srcDir: string, buildDir: string, opts: BuildOptions): Promise<TreeBuild> {
  const src = path.resolve(srcDir);
  const { progress, logFile } = opts;
  if (opts.command) return customBuild(src, opts.command, opts);
  await checkTools();
  const ccache = await onPath('ccache');
  const args = [...(ccache ? ['--cc=ccache cc'] : []), ...(opts.configureArgs ?? DEFAULT_CONFIGURE_ARGS)];
  const env = { ...buildEnv(src, ccache), ...opts.env };
  await fsp.mkdir(path.dirname(logFile), { recursive: true });
  await fsp.writeFile(logFile, '');
  const label = path.basename(src);

  // Configured with the same arguments before: ninja alone (it re-runs meson itself if a meson.build changed).
  const stamp = path.join(buildDir, '.msix-harness-configure.json');
  const wanted = JSON.stringify({ src, args });
  const configured = (await fsp.readFile(stamp, 'utf8').catch(() => '')) !== wanted || !(await exists(path.join(buildDir, 'build.ninja')));
  if (configured) {
    progress(`${label}: configuring in ${buildDir}${ccache ? ' (with ccache)' : ''}`);
    await fsp.rm(buildDir, { recursive: true, force: true });
    await fsp.mkdir(buildDir, { recursive: true });
    await logged(path.join(src, 'configure'), args, { cwd: buildDir, env, logFile, what: `configuring ${src}` });
    await fsp.writeFile(stamp, wanted);
  }

  // Just the emulator: a plain `ninja` also builds tests (softfloat's testfloat alone is ~100 objects) and tools.
  const [cmd, ...cmdArgs] = opts.buildCmd ?? ['ninja', '-j', String(os.availableParallelism()), 'qemu-system-x86_64'];
  progress(`${label}: building (${[cmd, ...cmdArgs].join(' ')})`);
  let reported = -1;
  await logged(cmd!, cmdArgs, {
    cwd: buildDir,
    env,
    logFile,
    what: `building ${src}`,
    onLine: (line) => {
      // ninja's "[done/total] ..." lines, reported in steps of 10%.
      const m = /^\[(\d+)\/(\d+)\]/.exec(line);
      if (!m) return;
      const step = Math.floor((10 * Number(m[1])) / Number(m[2]));
      if (step > reported) {
        reported = step;
        progress(`${label}: ${step * 10}% (${m[1]}/${m[2]})`);
      }
    },
  });

  const binary = path.join(buildDir, 'qemu-system-x86_64');
  await checkQtest(binary, logFile);
  // Upstream trees link their firmware into the build folder; Debian's (DFSG) trees have none.
  const dataDirs: string[] = [];
  for (const d of [path.join(buildDir, 'pc-bios'), path.join(buildDir, 'qemu-bundle', 'usr', 'local', 'share', 'qemu')]) if (await exists(d)) dataDirs.push(d);
  return { binary, buildDir, dataDirs, logFile, configured };
}

async function customBuild(src: string, command: string, opts: BuildOptions): Promise<TreeBuild> {
  const label = path.basename(src);
  await fsp.mkdir(path.dirname(opts.logFile), { recursive: true });
  await fsp.writeFile(opts.logFile, '');
  opts.progress(`${label}: building with: ${command}`);
  await logged('sh', ['-c', command], { cwd: src, env: {}, logFile: opts.logFile, what: `building ${src} with \`${command}\`` });
  const candidates = [path.join(src, 'build', 'qemu-system-x86_64'), path.join(src, 'qemu-system-x86_64'), path.join(src, 'build', 'x86_64-softmmu', 'qemu-system-x86_64')];
  let binary: string | undefined;
  for (const c of candidates) if (await exists(c)) binary = binary ?? c;
  if (!binary) throw new EnvironmentError(`\`${command}\` succeeded but left no qemu-system-x86_64 in ${candidates.join(', ')}`, 'make the build command produce build/qemu-system-x86_64 in the tree, or pass the binary with --qemu PATH');
  await checkQtest(binary, opts.logFile);
  const buildDir = path.dirname(binary);
  const dataDirs: string[] = [];
  for (const d of [path.join(buildDir, 'pc-bios'), path.join(buildDir, 'qemu-bundle', 'usr', 'local', 'share', 'qemu')]) if (await exists(d)) dataDirs.push(d);
  return { binary, buildDir, dataDirs, logFile: opts.logFile, configured: false };
}

/** ccache's own cache under the harness cache (unless the user chose one), shared by every tree below `src`'s parent. */
function buildEnv(src: string, ccache: boolean): Record<string, string> {
  const env: Record<string, string> = { PYTHONDONTWRITEBYTECODE: '1' }; // trees may share files by hard link: write nothing into them
  if (ccache) {
    // Absolute paths below the base folder are hashed relative to the build folder, and the build
    // folder itself is not hashed, so a copy of a tree at another path hits the same cache entries.
    env['CCACHE_BASEDIR'] = path.dirname(src);
    env['CCACHE_NOHASHDIR'] = '1';
    if (!process.env['CCACHE_DIR']) {
      env['CCACHE_DIR'] = path.join(cacheRoot(), 'ccache');
      env['CCACHE_MAXSIZE'] = process.env['CCACHE_MAXSIZE'] ?? '2G';
    }
  }
  return env;
}

interface LoggedRun {
  readonly cwd: string;
  readonly env: Record<string, string>;
  readonly logFile: string;
  readonly what: string;
  readonly onLine?: (line: string) => void;
}

/** Run a command with its output appended to the log; on failure an error with the log's tail. */
async function logged(cmd: string, args: readonly string[], run: LoggedRun): Promise<void> {
  const log = fs.createWriteStream(run.logFile, { flags: 'a' });
  log.write(`$ cd ${run.cwd} && ${[cmd, ...args].map(shellQuote).join(' ')}\n`);
  const child = execa(cmd, args, { cwd: run.cwd, env: run.env, stdin: 'ignore', all: true, buffer: false, reject: false });
  let partial = '';
  child.all!.on('data', (chunk: Buffer) => {
    log.write(chunk);
    if (!run.onLine) return;
    const lines = (partial + chunk.toString('utf8')).split('\n');
    partial = lines.pop()!;
    for (const l of lines) run.onLine(l);
  });
  const r = await child;
  await new Promise<void>((resolve) => log.end(resolve));
  if (r.exitCode !== 0) {
    const tail = (await fsp.readFile(run.logFile, 'utf8')).trimEnd().split('\n').slice(-TAIL_LINES);
    const how = r.exitCode === undefined && !r.signal ? (r.originalMessage ?? 'failed to start') : describeExit({ code: r.exitCode ?? null, signal: (r.signal as NodeJS.Signals | undefined) ?? null });
    throw new EnvironmentError(
      `${run.what} failed (${how}); log: ${run.logFile}\nlast ${tail.length} lines of the log:\n${tail.map((l) => `  | ${l}`).join('\n')}`,
      `read ${run.logFile}; missing build dependencies are the usual cause: ${INSTALL_FIX}`,
    );
  }
}

async function checkTools(): Promise<void> {
  const missing: string[] = [];
  for (const t of TOOLS) if (!(await onPath(t))) missing.push(t);
  if (missing.length) throw new EnvironmentError(`building QEMU needs ${missing.join(', ')}, not found on PATH`, INSTALL_FIX);
}

/** The harness drives QEMU through the qtest accelerator (which `-accel help` does not list): a build without it is no use. */
async function checkQtest(binary: string, logFile: string): Promise<void> {
  // An unknown accelerator makes QEMU exit at once; a known one starts and quits over QMP.
  const qmp = ['qmp_capabilities', 'quit'].map((c) => JSON.stringify({ execute: c })).join('\n') + '\n';
  const r = await execa(binary, ['-machine', 'none', '-accel', 'qtest', '-display', 'none', '-nodefaults', '-qmp', 'stdio'], { reject: false, input: qmp, timeout: 20_000 });
  if (r.exitCode !== 0 || !r.stdout.includes('"return"')) {
    throw new EnvironmentError(`${binary} does not answer qtest with -accel qtest (${(r.stderr || r.stdout).trim().split('\n')[0]})`, `check the configure arguments in ${logFile}`);
  }
}

async function onPath(name: string): Promise<boolean> {
  for (const dir of (process.env['PATH'] ?? '').split(path.delimiter)) {
    if (!dir) continue;
    try {
      await fsp.access(path.join(dir, name), fs.constants.X_OK);
      return true;
    } catch {
      // not here
    }
  }
  return false;
}

