/**
 * Apt sources for a Debian suite, derived from the machine's own apt
 * configuration (so no mirror host name is ever written into the project),
 * and a private apt state folder so nothing of the system's is touched.
 */
import fs from 'node:fs/promises';
import path from 'node:path';
import { execa } from 'execa';
import { EnvironmentError } from './errors.js';

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

/**
 * Source lines for `suite` (e.g. bookworm, bookworm-backports): the system's
 * entries for the base codename, plus the requested pocket on the base
 * codename's mirror when the system does not list it.
 */
export function sourcesForSuite(targets: readonly AptTarget[], suite: string, kinds: readonly ('deb' | 'deb-src')[] = ['deb']): string[] {
  const codename = suite.split('-')[0]!;
  const base = targets.filter((t) => t.release === codename || t.release.startsWith(`${codename}-`));
  const mirror = targets.find((t) => t.release === codename && t.component === 'main');
  if (!mirror) {
    throw new EnvironmentError(
      `the system's apt configuration has no "${codename} main" entry to derive the ${suite} source from`,
      `add a ${codename} entry to /etc/apt/sources.list(.d), or pass --qemu PATH to a QEMU binary`,
    );
  }
  const entries = base.filter((t) => t.release === codename || t.release === suite || !t.release.endsWith('-backports'));
  if (!entries.some((t) => t.release === suite)) entries.push({ uri: mirror.uri, release: suite, component: 'main' });
  const keyring = '/usr/share/keyrings/debian-archive-keyring.gpg';
  const opts = `[signed-by=${keyring}]`;
  const lines: string[] = [];
  for (const kind of kinds) for (const t of entries) lines.push(`${kind} ${opts} ${t.uri} ${t.release} ${t.component}`);
  return lines;
}

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

  async listsAgeMs(): Promise<number> {
    try {
      const st = await fs.stat(path.join(this.dir, 'lists-updated'));
      return Date.now() - st.mtimeMs;
    } catch {
      return Infinity;
    }
  }

  async update(): Promise<void> {
    await execa('apt-get', [...this.options(), 'update'], { stdin: 'ignore' });
    await fs.writeFile(path.join(this.dir, 'lists-updated'), new Date().toISOString());
  }

  /** Candidate version of each package with `defaultRelease` preferred. */
  async candidate(pkg: string, defaultRelease: string): Promise<string | undefined> {
    const { stdout } = await execa('apt-cache', [...this.options(), '-o', `APT::Default-Release=${defaultRelease}`, 'policy', pkg], { stdin: 'ignore' });
    const m = /Candidate:\s*(\S+)/.exec(stdout);
    return m && m[1] !== '(none)' ? m[1] : undefined;
  }

  /** Packages that `pkg` recommends at exactly its own version (its module packages). */
  async pinnedRecommends(pkg: string, version: string, defaultRelease: string): Promise<string[]> {
    const { stdout } = await execa('apt-cache', [...this.options(), '-o', `APT::Default-Release=${defaultRelease}`, 'show', `${pkg}=${version}`], { stdin: 'ignore' });
    const rec = /^Recommends:(.*)$/m.exec(stdout)?.[1] ?? '';
    return rec
      .split(',')
      .map((r) => /^\s*(\S+)\s*\(=\s*([^)\s]+)\)/.exec(r))
      .filter((m): m is RegExpExecArray => !!m && m[2] === version)
      .map((m) => m[1]!);
  }

  async download(pkgsWithVersions: readonly string[], into: string): Promise<void> {
    await fs.mkdir(into, { recursive: true });
    await execa('apt-get', [...this.options(), 'download', ...pkgsWithVersions], { cwd: into, stdin: 'ignore' });
  }
}
