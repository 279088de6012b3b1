/**
 * One running QEMU under test: its qtest and QMP clients, its stderr and the
 * trace events a case asked for. Launching picks the accelerator the build
 * has; the end of either protocol stream becomes a QemuExitedError that shows
 * the exit status, QEMU's stderr and the last exchanges.
 */
import { Timeline } from '../timeline.js';

import { LineChannel } from '../protocol/line-channel.js';
import type { QmpClient } from '../protocol/qmp-client.js';
import { connectQmp, qmpArgs, QMP_SOCKET } from './qmp-socket.js';
import { QtestClient } from '../protocol/qtest-client.js';
import { ChannelClosedError, describeExit, MigrationFailedError, ProtocolTimeoutError, QemuExitedError, QemuStartError, UnsupportedCommandError, type ExitStatus } from '../errors.js';
import fs from 'node:fs';
import { irqchipOf, isKvm, type QemuBinary } from './launch.js';
import { interruptCountingFirmware, READY_AT, READY_MAGIC } from './interrupt-counting-firmware.js';
import { QemuProcess } from './qemu-process.js';
import { pollUntil } from '../poll.js';
import { shellQuote } from '../shell-quote.js';
import { charge } from '../time-ledger.js';

export type MachineType = 'q35' | 'pc';

export interface MachineConfig {
  readonly machine?: MachineType;
  readonly memoryMiB?: number;
  /** Extra QEMU arguments, typically -device lines from device plugins. */
  readonly args?: readonly string[];
  /** Trace event patterns (as for -trace), collected from stderr. */
  readonly traces?: readonly string[];
  /** Log the guest's errors (-d guest_errors) so cases can check them. */
  readonly guestErrors?: boolean;
  /** A versioned machine type (e.g. pc-q35-7.2), for migration between builds; its bus ops are `machine`'s. */
  readonly machineVersion?: string;
  /** Start waiting for an incoming migration (-incoming defer): load one with migrateIn. */
  readonly incoming?: boolean;
  /**
   * Let virtual time run (runClock). With the qtest accelerator that is
   * clock_step; without it the vCPUs run for a while, so the firmware is a
   * halt loop (-bios of hlt bytes): nothing runs that touches the machine
   * the harness set up (SeaBIOS would re-place every BAR).
   */
  readonly runnableClock?: boolean;
  readonly timeoutMs?: number;
}

/** The shortest run of the vCPUs for runClock: QMP's cont and stop themselves take about this long. */
const MIN_RUN_MS = 5;

/** A 64 KiB firmware of hlt instructions (0xF4): the vCPU halts at the reset vector and stays halted (IF=0). */
function haltFirmware(file: string): string {
  fs.writeFileSync(file, Buffer.alloc(64 * 1024, 0xf4), { mode: 0o600 });
  return file;
}

/** -bios: the interrupt-counting firmware under KVM (the vCPU runs); the halt loop where a TCG clock must run; else SeaBIOS never runs (-S or qtest). */
function firmwareArgs(build: QemuBinary, cfg: MachineConfig, p: (name: string) => string): string[] {
  if (isKvm(build.accel)) {
    const file = p('counting.bin');
    fs.writeFileSync(file, interruptCountingFirmware(), { mode: 0o600 });
    return ['-bios', file];
  }
  return cfg.runnableClock && build.accel !== 'qtest' ? ['-bios', haltFirmware(p('halt.bin'))] : [];
}

/** How often a QMP poll asks again (a migration of a small guest takes tens of ms). */
const POLL_MS = 5;

export interface TraceEvent {
  readonly name: string;
  readonly args: string;
}

export class Machine {
  private readonly traceLog: TraceEvent[] = [];
  private stopped: Promise<ExitStatus | 'unkillable'> | undefined;
  /** Set once the machine serves a second case (beginCase): stderr() is then this case's lines only. */
  private caseLines: string[] | undefined;

  private constructor(
    readonly build: QemuBinary,
    readonly proc: QemuProcess,
    readonly qtest: QtestClient,
    readonly qmp: QmpClient,
    readonly log: Timeline,
    readonly machineType: MachineType,
    traces: readonly string[],
    private readonly runnableClock: boolean,
  ) {
    // QEMU's stderr joins the protocol exchanges in one timeline, so an error shows what QEMU said when.
    proc.onStderrLine((line) => {
      log.record('stderr', '<', line);
      this.caseLines?.push(line);
    });
    if (traces.length) {
      const re = new RegExp(`^(?:\\d+@\\d+\\.\\d+:)?(${traces.map(globToRe).join('|')}) ?(.*)$`);
      proc.onStderrLine((line) => {
        const m = re.exec(line);
        if (m) this.traceLog.push({ name: m[1]!, args: m[2]!.trim() });
      });
    }
  }

  static launch(build: QemuBinary, cfg: MachineConfig = {}): Promise<Machine> {
    return charge('qemu-start', () => Machine.start(build, cfg));
  }

  private static async start(build: QemuBinary, cfg: MachineConfig): Promise<Machine> {
    const machineType = cfg.machine ?? 'q35';
    const timeoutMs = cfg.timeoutMs ?? 10_000;
    const traces = cfg.traces ?? [];
    const accel = build.accel === 'qtest' ? ['-accel', 'qtest'] : isKvm(build.accel) ? ['-accel', `kvm,kernel-irqchip=${irqchipOf(build.accel)}`] : ['-accel', 'tcg', '-S'];
    const args = [
      ...build.dataDirs.flatMap((d) => ['-L', d]),
      '-machine', cfg.machineVersion ?? machineType,
      ...accel,
      '-m', `${cfg.memoryMiB ?? 128}M`,
      '-nodefaults',
      '-display', 'none',
      ...traces.flatMap((t) => ['-trace', t]),
      ...(cfg.guestErrors ? ['-d', 'guest_errors'] : []),
      ...(cfg.incoming ? ['-incoming', 'defer'] : []),
      ...(cfg.args ?? []),
    ];
    const { proc, sockets } = await QemuProcess.spawn({
      binary: build.binary,
      env: build.env,
      launch: build.launch,
      args,
      sockets: ['qtest.sock', QMP_SOCKET],
      // Without -qtest-log none QEMU echoes every qtest exchange to stderr, which halves the command rate.
      argsFor: (p) => ['-qtest', `unix:${p('qtest.sock')}`, '-qtest-log', 'none', ...qmpArgs(p(QMP_SOCKET)), ...firmwareArgs(build, cfg, p)],
    });
    const log = new Timeline();
    const explainClose = async (base: ChannelClosedError): Promise<Error> => {
      const status = await Promise.race([proc.exited, new Promise<undefined>((r) => setTimeout(() => r(undefined), 2000))]);
      if (!status) return new ChannelClosedError(base.channel, 'QEMU closed its protocol socket but is still running', base.exchanges);
      return new QemuExitedError(status, proc.stderrTail(), base.exchanges, `the ${base.channel} session`);
    };
    try {
      const qtest = new QtestClient(new LineChannel(sockets[0]!, { name: 'qtest', encoding: 'latin1' }), {
        log,
        timeoutMs,
        explainClose,
        clock: build.accel === 'qtest' ? { available: true } : { available: false, why: isKvm(build.accel) ? `QEMU ${build.label} runs under KVM, where the virtual clock follows the host's and cannot be stepped` : `QEMU ${build.label} has no qtest accelerator, so it runs with -accel tcg -S and its virtual clock cannot be stepped` },
      });
      const qmp = await connectQmp(sockets[1]!, { log, timeoutMs, handshakeTimeoutMs: timeoutMs, explainClose });
      const m = new Machine(build, proc, qtest, qmp, log, machineType, traces, !!cfg.runnableClock);
      if (isKvm(build.accel) && !cfg.incoming) await m.waitFirmwareReady(timeoutMs);
      return m;
    } catch (e) {
      await proc.shutdown([{ stage: 'SIGKILL', timeoutMs: 3000 }]);
      // QEMU connects its sockets before it creates devices, so a bad -device line ends here.
      if (e instanceof QemuExitedError) {
        throw new QemuStartError(`it exited during the QMP handshake (${describeExit(e.status)})`, proc.commandLine, proc.stderrTail());
      }
      throw e;
    }
  }

  /** Whether runClock can let time pass here (the qtest accelerator, KVM, or a machine started with runnableClock). */
  get canRunClock(): boolean {
    return this.build.accel === 'qtest' || isKvm(this.build.accel) || this.runnableClock;
  }

  /**
   * Under KVM: wait until the interrupt-counting firmware has its vector
   * table and local APIC ready (at start, and after a machine reset ran it
   * again, the ready word cleared before: clearFirmwareReady).
   */
  async waitFirmwareReady(timeoutMs = 10_000): Promise<void> {
    const what = 'the interrupt-counting firmware to enable the local APIC (KVM)';
    await this.log.wait(what, timeoutMs, () =>
      pollUntil(() => this.qtest.readl(READY_AT), (v) => v === READY_MAGIC, { timeoutMs, intervalMs: 2, timeout: (v) => new ProtocolTimeoutError(`${what}; the ready word at 0x${READY_AT.toString(16)} reads 0x${(v ?? 0).toString(16)}`, timeoutMs, this.log.snapshot()) }),
    );
  }

  /** Clear the firmware's ready word, before a reset that runs the firmware again. */
  clearFirmwareReady(): Promise<void> {
    return this.qtest.writel(READY_AT, 0);
  }

  /**
   * Let `ns` of virtual time pass, timers firing as they fall due: clock_step
   * with the qtest accelerator; under KVM the clock runs by itself, so wait;
   * otherwise the vCPUs run (halted in the halt firmware) for that long and
   * at least a few milliseconds of host time, as TCG's virtual clock follows
   * the host's while they run.
   */
  async runClock(ns: number): Promise<void> {
    if (this.build.accel === 'qtest') {
      await this.qtest.clockStep(ns);
      return;
    }
    const ms = Math.max(Math.ceil(ns / 1e6), MIN_RUN_MS);
    if (isKvm(this.build.accel)) {
      await this.log.wait(`${ms} ms of running virtual clock (KVM)`, ms + 10_000, () => new Promise((r) => setTimeout(r, ms)));
      return;
    }
    if (!this.runnableClock) throw new UnsupportedCommandError(`QEMU ${this.build.label} has no qtest accelerator; its clock runs only when the machine is started with runnableClock (a halt-loop firmware)`, []);
    await this.log.wait(`${ms} ms of running virtual clock`, ms + 10_000, async () => {
      await this.qmp.execute('cont');
      await new Promise((r) => setTimeout(r, ms));
      await this.qmp.execute('stop');
    });
  }

  /**
   * Save the whole machine state to `file` (QMP migrate to an exec: URI,
   * which every build here has), waiting for QEMU to report it completed.
   */
  async migrateOut(file: string, timeoutMs = 30_000): Promise<void> {
    await this.qmp.execute('migrate', { uri: `exec:cat > ${shellQuote(file)}` });
    await this.pollQmp('the outgoing migration to complete', timeoutMs, async () => {
      const r = await this.qmp.execute<{ status?: string; 'error-desc'?: string }>('query-migrate');
      if (r.status === 'failed') throw new MigrationFailedError('outgoing', r['error-desc'] ?? 'no reason given', this.log.snapshot());
      return r.status === 'completed';
    });
  }

  /** Load a state saved by migrateOut into this machine, started with `incoming`. */
  async migrateIn(file: string, timeoutMs = 30_000): Promise<void> {
    await this.qmp.execute('migrate-incoming', { uri: `exec:cat ${shellQuote(file)}` });
    // Loading ends with the VM out of 'inmigrate' (running or paused, as the source was); QEMU exits if it refuses the stream.
    await this.pollQmp('the incoming migration to load', timeoutMs, async () => (await this.qmp.execute<{ status: string }>('query-status')).status !== 'inmigrate');
  }

  /** Ask QEMU until `done` says so, recorded as one wait in the timeline; a timeout says what it waited for. */
  private async pollQmp(what: string, timeoutMs: number, done: () => Promise<boolean>): Promise<void> {
    await this.log.wait(what, timeoutMs, () => pollUntil(done, (d) => d, { timeoutMs, intervalMs: POLL_MS, timeout: () => new ProtocolTimeoutError(what, timeoutMs, this.log.snapshot()) }));
  }

  /** Trace events collected so far, optionally only those named `name`. */
  traceEvents(name?: string): readonly TraceEvent[] {
    return name ? this.traceLog.filter((e) => e.name === name) : this.traceLog;
  }

  /** How QEMU ended, waiting up to `ms` for it to be reaped; undefined while it runs. */
  async exitStatus(ms = 2000): Promise<ExitStatus | undefined> {
    let timer: NodeJS.Timeout | undefined;
    try {
      return await Promise.race([this.proc.exited, new Promise<undefined>((r) => (timer = setTimeout(() => r(undefined), ms)))]);
    } finally {
      clearTimeout(timer);
    }
  }

  /** QEMU's stderr so far (guest error logs, warnings, traces); on a machine kept between cases, since this case began. */
  stderr(): string {
    return this.caseLines ? this.caseLines.map((l) => `${l}\n`).join('') : this.proc.stderr();
  }

  /**
   * A machine kept between cases serves a new one: the trace events and
   * stderr lines the earlier cases saw are forgotten, so this case's
   * evidence is its own.
   */
  beginCase(): void {
    this.traceLog.length = 0;
    this.caseLines = [];
  }

  /** Stop QEMU: QMP quit, then SIGTERM, then SIGKILL, each with a bounded wait. Idempotent. */
  shutdown(): Promise<ExitStatus | 'unkillable'> {
    this.stopped ??= charge('shutdown', async () => {
      // Nothing more goes over qtest: calls from now on are refused as 'closing', not lost.
      this.qtest.close('machine shutting down');
      const r = await this.proc.shutdown(
        [
          { stage: 'quit', timeoutMs: 2000 },
          { stage: 'SIGTERM', timeoutMs: 2000 },
          { stage: 'SIGKILL', timeoutMs: 3000 },
        ],
        this.qmp.state === 'ready' ? () => this.qmp.execute('quit', undefined, 2000) : undefined,
      );
      this.qmp.close('machine shut down');
      return r.status;
    });
    return this.stopped;
  }
}


function globToRe(glob: string): string {
  return glob.replace(/[.+?^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '[A-Za-z0-9_]*');
}
