/**
 * One QEMU process: a private 0700 folder for its sockets, the sockets it
 * connects back to, its stderr, its exit status, and a staged shutdown.
 * It knows nothing of qtest or QMP beyond handing over connected sockets.
 */
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { execa, type ResultPromise } from 'execa';
import { describeExit, EnvironmentError, QemuStartError, type ExitStatus } from '../errors.js';
import { janitorWatch } from '../janitor/janitor.js';
import { launchCommand, SYSTEM_LIBRARIES, type Launch } from './launch.js';

export interface SpawnOptions {
  readonly binary: string;
  readonly args: readonly string[];
  readonly env?: Readonly<Record<string, string>>;
  /** With the machine's libraries (default) or through a closure's loader. */
  readonly launch?: Launch;
  /** Socket names to listen on in the private folder; QEMU is expected to connect to each. */
  readonly sockets: readonly string[];
  /** Builds QEMU's arguments once the private folder exists (socket paths go in there). */
  readonly argsFor?: (socketPath: (name: string) => string) => readonly string[];
  readonly connectTimeoutMs?: number;
}

export interface ShutdownStage {
  readonly stage: 'quit' | 'SIGTERM' | 'SIGKILL';
  readonly timeoutMs: number;
}

const STDERR_KEEP_BYTES = 512 * 1024;
const live = new Set<QemuProcess>();

export class QemuProcess {
  readonly exited: Promise<ExitStatus>;
  private _exit: ExitStatus | undefined;
  /** Complete stderr lines' text in chunks, trimmed from the front past STDERR_KEEP_BYTES. */
  private stderrChunks: string[] = [];
  private stderrBytes = 0;
  private stderrListeners: ((line: string) => void)[] = [];
  private partial = '';
  private removed = false;

  private constructor(
    readonly dir: string,
    readonly commandLine: readonly string[],
    private readonly child: ResultPromise,
  ) {
    live.add(this);
    const pid = child.pid!;
    janitorWatch.pid(pid, dir);
    child.stderr?.setEncoding('utf8');
    child.stderr?.on('data', (s: string) => this.onStderr(s));
    this.exited = (async () => {
      const r = await child;
      const status: ExitStatus = { code: r.exitCode ?? null, signal: (r.signal as NodeJS.Signals | undefined) ?? null };
      this._exit = status;
      janitorWatch.forgetPid(pid);
      return status;
    })();
  }

  get pid(): number {
    return this.child.pid!;
  }

  /** Exit status, or undefined while running. */
  get exitStatus(): ExitStatus | undefined {
    return this._exit;
  }

  /** All stderr kept so far (the last 512 KiB). */
  stderr(): string {
    return this.stderrChunks.join('') + this.partial;
  }

  stderrTail(lines = 30): string {
    return this.stderr().trimEnd().split('\n').slice(-lines).join('\n');
  }

  /** Called for each complete stderr line from now on. */
  onStderrLine(listener: (line: string) => void): void {
    this.stderrListeners.push(listener);
  }

  /**
   * Start QEMU and wait until it has connected to every requested socket.
   * Resolves with the process and the connected sockets, in `sockets` order.
   */
  static async spawn(opts: SpawnOptions): Promise<{ proc: QemuProcess; sockets: net.Socket[] }> {
    checkExecutable(opts.binary);
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'msix-harness-'));
    fs.chmodSync(dir, 0o700);
    janitorWatch.dir(dir);
    const socketPath = (name: string) => path.join(dir, name);
    const servers: net.Server[] = [];
    let proc: QemuProcess | undefined;
    try {
      const accepted = opts.sockets.map((name) => {
        const server = net.createServer();
        servers.push(server);
        const p = new Promise<net.Socket>((resolve, reject) => {
          server.once('connection', resolve);
          server.once('error', reject);
        });
        server.listen(socketPath(name));
        return p;
      });
      const cmd = launchCommand(opts.binary, opts.launch ?? SYSTEM_LIBRARIES, [...opts.args, ...(opts.argsFor ? opts.argsFor(socketPath) : [])]);
      const child = execa(cmd.file, cmd.args, { stdin: 'ignore', stdout: 'ignore', stderr: 'pipe', buffer: false, reject: false, cleanup: true, cwd: dir, env: opts.env ?? {} });
      proc = new QemuProcess(dir, [cmd.file, ...cmd.args], child);
      const timeoutMs = opts.connectTimeoutMs ?? 20_000;
      const sockets = await raceStart(proc, Promise.all(accepted), timeoutMs, opts.sockets);
      return { proc, sockets };
    } catch (e) {
      if (proc) await proc.shutdown([{ stage: 'SIGKILL', timeoutMs: 3000 }]);
      else removeDir(dir);
      throw e;
    } finally {
      for (const s of servers) s.close();
    }
  }

  /**
   * Stop QEMU in stages, each given its time: `quit` (asks the caller's
   * callback, typically QMP quit), then SIGTERM, then SIGKILL. Always removes
   * the private folder. Resolves with how it ended.
   */
  async shutdown(stages: readonly ShutdownStage[], quit?: () => Promise<unknown>): Promise<{ status: ExitStatus | 'unkillable'; by: string }> {
    let by = 'already exited';
    try {
      if (this._exit) return { status: this._exit, by };
      for (const s of stages) {
        by = s.stage;
        if (s.stage === 'quit') {
          if (!quit) continue;
          quit().catch(() => undefined);
        } else {
          try {
            process.kill(this.pid, s.stage);
          } catch {
            /* gone */
          }
        }
        const status = await withTimeout(this.exited, s.timeoutMs);
        if (status) return { status, by };
      }
      return { status: 'unkillable', by };
    } finally {
      this.removeDir();
    }
  }

  /** Synchronous last resort for process exit handlers (SIGINT, exit). */
  killNow(): void {
    if (!this._exit) {
      try {
        process.kill(this.pid, 'SIGKILL');
      } catch {
        /* gone */
      }
    }
    this.removeDir();
  }

  private removeDir(): void {
    if (this.removed) return;
    this.removed = true;
    live.delete(this);
    removeDir(this.dir);
  }

  private onStderr(s: string): void {
    const data = this.partial + s;
    const nl = data.lastIndexOf('\n');
    if (nl === -1) {
      this.partial = data;
      return;
    }
    const complete = data.slice(0, nl + 1);
    this.partial = data.slice(nl + 1);
    this.stderrChunks.push(complete);
    this.stderrBytes += complete.length;
    while (this.stderrBytes - this.stderrChunks[0]!.length > STDERR_KEEP_BYTES) this.stderrBytes -= this.stderrChunks.shift()!.length;
    if (this.stderrListeners.length) for (const line of complete.slice(0, -1).split('\n')) for (const l of this.stderrListeners) l(line);
  }
}

/** Kill every QEMU this process started and remove their folders, synchronously. */
export function killAllQemuNow(): void {
  for (const p of [...live]) p.killNow();
}

export function liveQemuCount(): number {
  return live.size;
}

function removeDir(dir: string): void {
  fs.rmSync(dir, { recursive: true, force: true });
  janitorWatch.forgetDir(dir);
}

export function checkExecutable(binary: string): void {
  try {
    fs.accessSync(binary, fs.constants.X_OK);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') throw new EnvironmentError(`QEMU binary ${binary} does not exist`, 'pass --qemu with the path of a qemu-system-x86_64 binary, or debian:bookworm, or install qemu-system-x86');
    throw new EnvironmentError(`QEMU binary ${binary} is not executable (${code})`, `chmod +x ${binary}, or pass --qemu with another build`);
  }
  if (!fs.statSync(binary).isFile()) throw new EnvironmentError(`QEMU binary ${binary} is not a file`, 'pass --qemu with the path of a qemu-system-x86_64 binary');
}

async function raceStart(proc: QemuProcess, ready: Promise<net.Socket[]>, timeoutMs: number, names: readonly string[]): Promise<net.Socket[]> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new QemuStartError(`it did not connect to ${names.join(' and ')} within ${timeoutMs} ms`, proc.commandLine, proc.stderrTail())), timeoutMs);
  });
  const died = proc.exited.then((s) => {
    throw new QemuStartError(`it exited before connecting (${describeExit(s)})`, proc.commandLine, proc.stderrTail());
  });
  try {
    return await Promise.race([ready, timeout, died]);
  } finally {
    clearTimeout(timer);
  }
}

async function withTimeout<T>(p: Promise<T>, ms: number): Promise<T | undefined> {
  let timer: NodeJS.Timeout | undefined;
  const t = new Promise<undefined>((resolve) => (timer = setTimeout(() => resolve(undefined), ms)));
  try {
    return await Promise.race([p, t]);
  } finally {
    clearTimeout(timer);
  }
}
