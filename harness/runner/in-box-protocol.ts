/**
 * Everything the outer run and the run inside the box (in-box-main.ts)
 * agree on: the job, handed in through the environment, and each case
 * result, handed back over the serial console as base64 in short lines
 * between markers as soon as the case ends.
 */
import { deflateRawSync, inflateRawSync } from 'node:zlib';
import type { CaseResult } from '../results/run-report.js';
import type { Shard } from './shard.js';
import type { CaseFilter } from './case-filter.js';
import type { PluginRef } from '../devices/plugin-ref.js';
import type { SuiteRef } from './suite-ref.js';

export interface InBoxJob {
  /** The suite's module (its import.meta.url) and name: the inner run loads it itself. */
  readonly suite: SuiteRef;
  /** The builds, probed outside (serializeBuilds), so nothing is probed again under TCG. */
  readonly builds: string;
  /** The device plugin of the device under test: the box's device, or (for a VF plugin) a VF made on it. */
  readonly device: PluginRef;
  readonly filter?: CaseFilter;
  readonly shard?: Shard;
  /** The seed of the cases' order (case-order.ts). */
  readonly shuffle?: number;
  /** Every case on a QEMU of its own. */
  readonly freshQemu?: boolean;
  /** The kernel name shard keys use: the box's series. */
  readonly shardKernel: string;
  /** An emulated suite (run in the box for its KVM): the device plugins it runs on; the box's own device is not used. */
  readonly emulatedDevices?: readonly string[];
  readonly machines?: readonly string[];
}

const JOB_ENV = 'MSIX_HARNESS_JOB';
const BEGIN = '@@msix-harness-case-begin';
const END = '@@msix-harness-case-end';
const READY = '@@msix-harness-runner-ready';
/** Serial console lines stay short: long lines have come back garbled. */
const LINE = 76;

export function jobEnv(job: InBoxJob): Record<string, string> {
  return { [JOB_ENV]: JSON.stringify(job) };
}

export function readJob(env: NodeJS.ProcessEnv): InBoxJob {
  const text = env[JOB_ENV];
  if (!text) throw new Error(`${JOB_ENV} is not set: in-box-main runs inside the box, started by the outer run (runner/vfio-in-box.ts)`);
  return JSON.parse(text) as InBoxJob;
}

/** The inner side: one case result as console text (deflated: every byte crosses an emulated UART). */
export function caseForConsole(r: CaseResult): string {
  const lines = deflateRawSync(JSON.stringify(r)).toString('base64').match(new RegExp(`.{1,${LINE}}`, 'g')) ?? [];
  return [BEGIN, ...lines, END].join('\n') + '\n';
}

/** The inner side: the runner is about to run its first case, `ms` after its process started (node's start, loading the suite, opening the device). */
export function readyForConsole(ms: number): string {
  return `${READY} ${Math.round(ms)}\n`;
}

/** The outer side: feeds console lines, hands back each case result as it completes and every other line as it is. */
export class InBoxReader {
  private block: string[] | undefined;

  /** The runner's start, as it gave it (readyForConsole); undefined until then. */
  runnerStartMs: number | undefined;

  constructor(
    private readonly onResult: (r: CaseResult) => void,
    private readonly onOther: (line: string) => void,
  ) {}

  line(l: string): void {
    if (l.startsWith(READY + ' ')) this.runnerStartMs = Number(l.slice(READY.length + 1));
    else if (l === BEGIN) this.block = [];
    else if (l === END && this.block) {
      const text = inflateRawSync(Buffer.from(this.block.join(''), 'base64')).toString('utf8');
      this.block = undefined;
      this.onResult(JSON.parse(text) as CaseResult);
    } else if (this.block) this.block.push(l);
    else this.onOther(l);
  }
}
