/**
 * One step of `git bisect run`: build the checked-out commit, run the one
 * case, and answer git: 0 the case holds (good), 1 it fails (bad), 125 the
 * commit cannot be judged (build failure, environment error, case skipped
 * or in error). With findFix the answers for holds and fails swap (git's
 * old/new terms: old = still broken, new = fixed).
 * Every step is appended to the bisect log as one JSON line.
 */
import fs from 'node:fs/promises';
import { execa } from 'execa';
import { resolveSourceBuild } from '../builds/build-spec.js';
import { rawOutcome, type CaseResult } from '../results/run-report.js';
import type { SuiteSpec } from '../case/case.js';
import { runPlan } from '../runner/run-plan.js';
import { buildsUnder, type RunAccel } from '../runner/run-accel.js';
import { caseById } from './case-id.js';

export const GOOD = 0;
export const BAD = 1;
export const SKIP = 125;

export interface StepLog {
  readonly commit: string;
  readonly subject: string;
  readonly verdict: 'good' | 'bad' | 'skip';
  readonly buildMs: number;
  readonly caseMs: number;
  readonly why?: string;
  readonly result?: CaseResult;
}

export interface StepArgs {
  /** The suites the case may be in (handed in; the step entry loads them from their modules). */
  readonly suites: readonly SuiteSpec[];
  readonly src: string;
  readonly caseId: string;
  readonly kernel: string;
  /** The accelerator the case runs under (default tcg). */
  readonly accel?: RunAccel;
  readonly build?: string;
  readonly log: string;
  /** Bisecting for the fix: a failing case is the old state (exit 0), a passing one the new (exit 1). */
  readonly findFix?: boolean;
}

/** How a step reads, on the terminal and on the live page. */
export function stepLine(s: StepLog): string {
  return `bisect step ${s.commit.slice(0, 12)} "${s.subject}": ${s.verdict}${s.why ? ` (${s.why.split('\n')[0]})` : ''}; build ${s.buildMs} ms, case ${s.caseMs} ms`;
}

export async function bisectStep(a: StepArgs): Promise<number> {
  const progress = (m: string) => process.stderr.write(`  ${m}\n`);
  const git = async (...args: string[]) => (await execa('git', ['-C', a.src, ...args], { stdin: 'ignore' })).stdout.trim();
  const commit = await git('rev-parse', 'HEAD');
  const subject = await git('log', '-1', '--format=%s');
  const write = async (s: StepLog, code: number) => {
    await fs.appendFile(a.log, JSON.stringify(s) + '\n');
    process.stderr.write(`${stepLine(s)}\n`);
    return code;
  };
  const t0 = performance.now();
  let buildMs = 0;
  try {
    const { suite, device } = caseById(a.caseId, a.suites);
    const build = await resolveSourceBuild(a.src, progress, a.build);
    buildMs = Math.round(performance.now() - t0);
    // One case per step: a kept QEMU would serve nobody after it, and the step judges the build as it cold-plugs the device.
    const results = await runPlan({ suites: [suite], builds: buildsUnder([build], [a.accel ?? 'tcg']), devices: [device], boxDevices: [device], kernels: [a.kernel], filter: { ids: [a.caseId] }, freshQemu: true, progress, onResult: () => undefined, onBoxOutput: (l) => process.stderr.write(`  ${l}\n`) });
    const caseMs = Math.round(performance.now() - t0) - buildMs;
    const result = results.find((r) => r.id === a.caseId);
    if (!result) return write({ commit, subject, verdict: 'skip', buildMs, caseMs, why: `the case did not run (${results.length} results)` }, SKIP);
    // Raw outcomes: a known bug is still bad here (that is what a bisect looks for); an error judges nothing.
    const raw = rawOutcome(result);
    if (raw === 'skipped') return write({ commit, subject, verdict: 'skip', buildMs, caseMs, why: result.skipReason ?? 'skipped', result }, SKIP);
    if (raw === 'error') return write({ commit, subject, verdict: 'skip', buildMs, caseMs, why: `error: ${result.error?.message ?? ''}`, result }, SKIP);
    const good = raw === 'passed';
    return write({ commit, subject, verdict: good ? 'good' : 'bad', buildMs, caseMs, result }, good === !a.findFix ? GOOD : BAD);
  } catch (e) {
    // A build that fails, or anything the environment refuses, says nothing about the case.
    if (!buildMs) buildMs = Math.round(performance.now() - t0);
    return write({ commit, subject, verdict: 'skip', buildMs, caseMs: 0, why: (e as Error).message }, SKIP);
  }
}
