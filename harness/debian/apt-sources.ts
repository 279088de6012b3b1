/**
 * Apt sources for a Debian suite, derived from the machine's own apt
 * configuration (so no mirror host name is ever written into the project),
 * and a private apt state folder so nothing of the system's is touched.
 */
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { execa } from 'execa';
import { withCacheLock } from '../cache/cache-lock.js';
import { EnvironmentError } from '../errors.js';

export interface AptTarget {
  readonly uri: string;
  readonly release: string;
  readonly component: string;
}

/** The deb targets the system's apt knows of (from its configuration; no index needed). */
export async function systemAptTargets(): Promise<AptTarget[]> {
  let out: string;
  try {
    ({ stdout: out } = await execa('apt-get', ['indextargets', '--no-release-info', '--format', '$(REPO_URI)|$(RELEASE)|$(COMPONENT)|$(TARGET_OF)', 'Created-By: Packages']));
  } catch (e) {
    throw new EnvironmentError(`cannot read the apt configuration (${(e as Error).message.split('\n')[0]})`, 'run on a Debian (or derived) system with apt, or pass --qemu PATH to a QEMU binary');
  }
  const seen = new Set<string>();
  const targets: AptTarget[] = [];
  for (const line of out.split('\n')) {
    const [uri, release, component, of] = line.split('|');
    if (!uri || !release || !component || of !== 'deb') continue;
    const key = `${uri} ${release} ${component}`;
    if (seen.has(key)) continue;
    seen.add(key);
    targets.push({ uri, release, component });
  }
  return targets;
}

/** Codenames that have no -updates or -security pockets. */
const NO_POCKETS = new Set(['sid', 'unstable', 'experimental', 'rc-buggy']);
const POCKETS = ['updates', 'security'] as const;

/**
 * Source lines for `suites` (any suite of the archive the system uses:
 * bookworm, bookworm-backports, trixie, trixie-backports, sid...). The
 * archive and its security and updates locations are taken from the
 * system's own entries for its codename, and the requested suites are named
 * on them, so nothing in the system's configuration needs changing. A
 * pocket such as X-backports brings X along (its dependencies live there).
 */
export function sourcesForSuites(targets: readonly AptTarget[], suites: readonly string[], kinds: readonly ('deb' | 'deb-src')[] = ['deb']): string[] {
  const mirror = systemMirror(targets);
  if (!mirror) {
    throw new EnvironmentError(
      `the system's apt configuration has no Debian "<codename> main" entry to derive the archive of ${suites.join(', ')} from`,
      'add the Debian entry of this machine (e.g. "bookworm main") to /etc/apt/sources.list(.d), or pass --qemu PATH to a QEMU binary',
    );
  }
  const systemCodename = mirror.release;
  const entries: AptTarget[] = [];
  const add = (t: AptTarget) => {
    if (!entries.some((e) => e.uri === t.uri && e.release === t.release && e.component === t.component)) entries.push(t);
  };
  for (const suite of suites) {
    const codename = suite.split('-')[0]!;
    if (codename === systemCodename) {
      // The system's own entries for its codename, as configured, minus pockets not asked for.
      for (const t of targets) if (t.release === codename || (t.release.startsWith(`${codename}-`) && !t.release.endsWith('-backports'))) add(t);
    } else {
      add({ uri: mirror.uri, release: codename, component: 'main' });
      if (!NO_POCKETS.has(codename)) {
        for (const pocket of POCKETS) {
          const like = targets.find((t) => t.release === `${systemCodename}-${pocket}` && t.component === 'main');
          if (like) add({ uri: like.uri, release: `${codename}-${pocket}`, component: 'main' });
        }
      }
    }
    if (suite !== codename) add({ uri: mirror.uri, release: suite, component: 'main' });
  }
  const opts = '[signed-by=/usr/share/keyrings/debian-archive-keyring.gpg]';
  const lines: string[] = [];
  for (const kind of kinds) for (const t of entries) lines.push(`${kind} ${opts} ${t.uri} ${t.release} ${t.component}`);
  return lines;
}

/** The system's Debian main entry of its own release (a codename, no pocket): the archive everything is derived from. */
function systemMirror(targets: readonly AptTarget[]): AptTarget | undefined {
  return targets.find((t) => !t.release.includes('-') && t.component === 'main');
}

/** The machine's own release (the codename of its Debian main entry), if it has one. */
export function systemCodename(targets: readonly AptTarget[]): string | undefined {
  return systemMirror(targets)?.release;
}

/** Debian's moving suites, besides the machine's own release and its backports, where newer builds and kernels live. */
const MOVING_SUITES = ['stable', 'stable-backports', 'unstable'] as const;

/**
 * The suites to look in for the newest packages, by codename: the machine's
 * release and its backports, and Debian's stable (with backports) and
 * unstable. Aliases are resolved from each suite's InRelease, because the
 * archive may serve an alias folder older than its codename's.
 */
export async function currentSuites(targets: readonly AptTarget[]): Promise<string[]> {
  const mirror = systemMirror(targets);
  const own = mirror?.release;
  if (!own || !mirror) throw new EnvironmentError("the system's apt configuration has no Debian \"<codename> main\" entry to derive the archive from", 'add the Debian entry of this machine (e.g. "bookworm main") to /etc/apt/sources.list(.d)');
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'msix-harness-release-'));
  try {
    const suites = [own, `${own}-backports`];
    for (const alias of MOVING_SUITES) {
      const file = path.join(dir, alias);
      const r = await execa('/usr/lib/apt/apt-helper', ['download-file', `${mirror.uri.replace(/\/?$/, '/')}dists/${alias}/InRelease`, file], { reject: false, stdin: 'ignore' });
      const codename = r.exitCode === 0 ? /^Codename: (\S+)$/m.exec(await fs.readFile(file, 'utf8'))?.[1] : undefined;
      if (!codename) throw new EnvironmentError(`cannot read the codename of Debian's ${alias} suite (${(r.stderr || r.stdout).split('\n')[0]})`, 'check that the Debian mirror in /etc/apt is reachable');
      if (!suites.includes(codename)) suites.push(codename);
    }
    return suites;
  } finally {
    await fs.rm(dir, { recursive: true, force: true });
  }
}

/** Source lines for one suite (see sourcesForSuites). */
export function sourcesForSuite(targets: readonly AptTarget[], suite: string, kinds: readonly ('deb' | 'deb-src')[] = ['deb']): string[] {
  return sourcesForSuites(targets, [suite], kinds);
}

const LISTS_MAX_AGE_MS = 24 * 3600 * 1000;

/** A private apt state: its own sources list, lists and archives, no system status. */
export class PrivateApt {
  constructor(readonly dir: string) {}

  /** The apt options that select this private state, for apt commands this class does not wrap. */
  options(): string[] {
    return [
      '-o', `Dir::Etc::SourceList=${path.join(this.dir, 'sources.list')}`,
      '-o', 'Dir::Etc::SourceParts=/dev/null',
      '-o', `Dir::State::Lists=${path.join(this.dir, 'lists')}`,
      '-o', `Dir::Cache=${path.join(this.dir, 'cache')}`,
      '-o', 'Dir::State::status=/dev/null',
      '-o', 'Debug::NoLocking=1',
      // apt's download sandbox user cannot write into a root-owned cache; we only download.
      '-o', 'APT::Sandbox::User=root',
    ];
  }

  async configure(sourceLines: readonly string[]): Promise<void> {
    await fs.mkdir(path.join(this.dir, 'lists', 'partial'), { recursive: true });
    await fs.mkdir(path.join(this.dir, 'cache', 'archives', 'partial'), { recursive: true });
    await fs.writeFile(path.join(this.dir, 'sources.list'), sourceLines.join('\n') + '\n');
  }

  /**
   * Write the sources and refresh the lists when they are older than a day.
   * Throws what apt said; callers fall back to what they have cached.
   */
  async open(sourceLines: readonly string[], label: string, progress: (m: string) => void): Promise<void> {
    // One refresh at a time: apt does not wait for another apt-get update on the same lists.
    await withCacheLock(this.dir, `${label} package lists`, () => this.openLocked(sourceLines, label, progress), { progress });
  }

  private async openLocked(sourceLines: readonly string[], label: string, progress: (m: string) => void): Promise<void> {
    const before = await fs.readFile(path.join(this.dir, 'sources.list'), 'utf8').catch(() => '');
    await this.configure(sourceLines);
    const changed = before !== sourceLines.join('\n') + '\n';
    if (changed || (await this.listsAgeMs()) > LISTS_MAX_AGE_MS) {
      progress(`${label}: refreshing package lists`);
      await this.update();
    }
  }

  async listsAgeMs(): Promise<number> {
    try {
      const st = await fs.stat(path.join(this.dir, 'lists-updated'));
      return Date.now() - st.mtimeMs;
    } catch {
      return Infinity;
    }
  }

  async update(): Promise<void> {
    const r = await execa('apt-get', [...this.options(), 'update'], { stdin: 'ignore', reject: false });
    // apt's own reason (its E: lines), not just its exit code.
    if (r.exitCode !== 0) throw new Error(`apt-get update failed (exit code ${r.exitCode}): ${r.stderr.split('\n').filter((l) => l.startsWith('E:')).join(' ') || r.stderr.trim().split('\n').at(-1)}`);
    await fs.writeFile(path.join(this.dir, 'lists-updated'), new Date().toISOString());
  }

  /** Candidate version of each package with `defaultRelease` preferred. */
  async candidate(pkg: string, defaultRelease: string): Promise<string | undefined> {
    const { stdout } = await execa('apt-cache', [...this.options(), '-o', `APT::Default-Release=${defaultRelease}`, 'policy', pkg], { stdin: 'ignore' });
    const m = /Candidate:\s*(\S+)/.exec(stdout);
    return m && m[1] !== '(none)' ? m[1] : undefined;
  }

  /** Packages that `pkg` names in `field` (Depends, Recommends) at exactly its own version: the parts of one build. */
  async pinned(pkg: string, version: string, field: 'Depends' | 'Recommends', defaultRelease: string): Promise<string[]> {
    const { stdout } = await execa('apt-cache', [...this.options(), '-o', `APT::Default-Release=${defaultRelease}`, 'show', `${pkg}=${version}`], { stdin: 'ignore' });
    const rec = new RegExp(`^${field}:(.*)$`, 'm').exec(stdout)?.[1] ?? '';
    return rec
      .split(',')
      .map((r) => /^\s*(\S+)\s*\(=\s*([^)\s]+)\)\s*$/.exec(r))
      .filter((m): m is RegExpExecArray => !!m && m[2] === version)
      .map((m) => m[1]!);
  }

  /** Every version of `pkg` the lists know, each with the suite paths that serve it. */
  async versions(pkg: string): Promise<{ version: string; suites: string[] }[]> {
    const { stdout } = await execa('apt-cache', [...this.options(), 'policy', pkg], { stdin: 'ignore' });
    const out: { version: string; suites: string[] }[] = [];
    for (const line of stdout.split('\n')) {
      const v = /^\s{5}(?:\*\*\* )?(\S+) -?\d+$/.exec(line);
      if (v) out.push({ version: v[1]!, suites: [] });
      const src = /^\s+-?\d+ \S+ (\S+?)\/\S+ \S+ Packages$/.exec(line);
      if (src && out.length) out[out.length - 1]!.suites.push(src[1]!);
    }
    return out;
  }

  /**
   * The packages apt would install for `pins` on an empty system (the whole
   * dependency closure, without recommends), as pkg=version.
   */
  async closure(pins: readonly string[], defaultRelease: string): Promise<string[]> {
    const { stdout } = await execa(
      'apt-get',
      [...this.options(), '-o', `APT::Default-Release=${defaultRelease}`, '-o', 'APT::Install-Recommends=false', '-o', 'APT::Get::Simulate=true', '-qq', 'install', ...pins],
      { stdin: 'ignore' },
    );
    return [...stdout.matchAll(/^Inst (\S+) \((\S+) /gm)].map((m) => `${m[1]}=${m[2]}`);
  }

  async download(pkgsWithVersions: readonly string[], into: string): Promise<void> {
    await fs.mkdir(into, { recursive: true });
    await execa('apt-get', [...this.options(), 'download', ...pkgsWithVersions], { cwd: into, stdin: 'ignore' });
  }
}
