/**
 * The vfio suite with no host device named: run it inside the nested vfio
 * host (one boot per kernel, every build in each), by running this same CLI
 * there on the box's device, and collect its report. The builds are probed
 * here and handed over, so nothing is probed again under TCG.
 */
import { fileURLToPath } from 'node:url';
import { BOX_DEVICE_BDF, runInBox } from '../box/box.js';
import { EnvironmentError } from '../errors.js';
import { serializeBuilds, type QemuBuild } from '../builds/qemu-build.js';
import type { CaseResult, RunReport } from '../results/run-report.js';

export const BUILDS_ENV = 'MSIX_HARNESS_BUILDS';
const BEGIN = '@@msix-harness-report-begin';
const END = '@@msix-harness-report-end';

export interface BoxRun {
  readonly suite: string;
  readonly builds: readonly QemuBuild[];
  readonly kernels: readonly string[];
  readonly device: string;
  readonly grep?: string;
  /** More arguments for the run inside (e.g. --shard). */
  readonly extraArgs?: (kernel: string) => readonly string[];
  readonly progress: (m: string) => void;
  /** Each case line as the inner run prints it. */
  readonly onLine: (line: string) => void;
}

export interface BoxRunResult {
  readonly cases: CaseResult[];
  /** Per kernel: outer QEMU start to the suite starting, and the suite's own time inside. */
  readonly boxes: { readonly kernel: string; readonly bootMs: number; readonly suiteMs: number }[];
}

export async function runVfioInBox(o: BoxRun): Promise<BoxRunResult> {
  const main = fileURLToPath(new URL('../cli/main.js', import.meta.url));
  const cases: CaseResult[] = [];
  const boxes: BoxRunResult['boxes'] = [];
  for (const kernel of o.kernels) {
    o.progress(`vfio suite: no --host-device, running in the box (kernel ${kernel}, ${o.device} at ${BOX_DEVICE_BDF} on vfio-pci)`);
    const b64: string[] = [];
    let inReport = false;
    const r = await runInBox({
      kernel,
      device: o.device,
      command: [process.execPath, main, 'run', '--suite', o.suite, '--host-device', BOX_DEVICE_BDF, '--report-markers', ...(o.grep ? ['--grep', o.grep] : []), ...(o.extraArgs?.(kernel) ?? [])],
      env: { [BUILDS_ENV]: serializeBuilds(o.builds) },
      timeoutMs: 30 * 60_000,
      progress: o.progress,
      onOutput: (line) => {
        if (line === BEGIN) inReport = true;
        else if (line === END) inReport = false;
        else if (inReport) b64.push(line);
        else o.onLine(line);
      },
    });
    if (!b64.length) throw new EnvironmentError(`the vfio suite in the box (kernel ${kernel}) gave no report (exit code ${r.exitCode})`, 'see the output above; run `msix-harness box -- …` to investigate');
    const report = JSON.parse(Buffer.from(b64.join(''), 'base64').toString('utf8')) as RunReport;
    o.progress(`box (kernel ${kernel}): boot ${r.bootMs} ms, suite ${r.commandMs} ms`);
    cases.push(...report.cases);
    boxes.push({ kernel, bootMs: r.bootMs, suiteMs: r.commandMs });
  }
  return { cases, boxes };
}

/** The inner side: the report, base64 in short lines between markers (the serial console carries it). */
export function reportForConsole(report: RunReport): string {
  const b64 = Buffer.from(JSON.stringify(report)).toString('base64');
  const lines = b64.match(/.{1,76}/g) ?? [];
  return [BEGIN, ...lines, END].join('\n') + '\n';
}
