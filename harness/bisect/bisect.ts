/**
 * Bisecting: find the commit that broke a case, with
 * `git bisect run` driving bisect-step (build, run the case: good, bad or
 * skip). Prints the first bad commit with the evidence from its step, keeps
 * a JSON-lines log of every step, and always leaves the tree as it was: the
 * original HEAD checked out and no bisect in progress, Ctrl-C included.
 */
import type { RunAccel } from '../runner/run-accel.js';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { execa } from 'execa';
import { cacheRoot } from '../cache/cache-dir.js';
import { EnvironmentError } from '../errors.js';
import { caseById } from './case-id.js';
import type { StepLog } from './bisect-step.js';
import type { SuiteSpec } from '../case/case.js';
import { suiteRef } from '../runner/suite-ref.js';
import type { StepJob } from './step-main.js';

const STEP_MAIN = fileURLToPath(new URL('./step-main.js', import.meta.url));

/** The command git runs at each step: it must append one StepLog line to `job.log` and exit 0 (good), 1 (bad) or 125 (skip). */
export type StepCommand = (job: StepJob) => readonly string[];

/** The real step: build the commit and run the case (step-main.ts). */
export const realStep: StepCommand = (job) => [process.execPath, STEP_MAIN, JSON.stringify(job)];

export interface BisectArgs {
  /** The suites the case may be in (handed in by the caller). */
  readonly suites: readonly SuiteSpec[];
  /** What git runs at each step; default the real build-and-run step. Tests hand in a fake. */
  readonly step?: StepCommand;
  readonly src: string;
  readonly good: string;
  readonly bad: string;
  readonly caseId: string;
  readonly build?: string;
  readonly kernel: string;
  /** The accelerator each step runs the case under (default tcg). */
  readonly accel?: RunAccel;
  readonly log?: string;
  /**
   * Find the first commit where the case starts to pass (the fix to
   * backport): `bad` is then the older commit where it fails, `good` the
   * newer one where it passes.
   */
  readonly findFix?: boolean;
  /**
   * Registers a synchronous clean-up to run if the process is interrupted
   * (the CLI's Ctrl-C handler); returns its unregistration.
   */
  readonly onInterrupt?: (what: string, run: () => void) => () => void;
  /** Each step as it ends (its log entry, with the case's result where the case ran). */
  readonly onStep?: (s: StepLog) => void;
}

export interface BisectOutcome {
  /** Undefined when git could not decide (too many skipped commits). */
  readonly firstBad?: { readonly sha: string; readonly subject: string; readonly step?: StepLog };
  readonly steps: readonly StepLog[];
  readonly log: string;
}

export async function bisect(a: BisectArgs, out: (line: string) => void): Promise<BisectOutcome> {
  caseById(a.caseId, a.suites);
  const src = path.resolve(a.src);
  const git = async (...args: string[]) => (await execa('git', ['-C', src, ...args], { stdin: 'ignore' })).stdout.trim();
  const top = await git('rev-parse', '--show-toplevel').catch(() => undefined);
  if (!top) throw new EnvironmentError(`${src} is not a git work tree`, 'pass the top folder of a QEMU git checkout to --src');
  const gitDir = path.resolve(src, await git('rev-parse', '--git-dir'));
  if (fs.existsSync(path.join(gitDir, 'BISECT_START'))) throw new EnvironmentError(`a bisect is already in progress in ${src}`, `finish it or run git -C ${src} bisect reset`);
  if (await git('status', '--porcelain', '--untracked-files=no')) throw new EnvironmentError(`${src} has uncommitted changes; bisect checks out other commits`, 'commit or stash them first');
  for (const ref of [a.good, a.bad]) await git('rev-parse', '--verify', `${ref}^{commit}`).catch(() => Promise.reject(new EnvironmentError(`"${ref}" is not a commit in ${src}`, 'pass a commit, tag or branch of that tree')));
  const original = (await git('symbolic-ref', '-q', '--short', 'HEAD').catch(() => '')) || (await git('rev-parse', 'HEAD'));
  const log = path.resolve(a.log ?? path.join(cacheRoot(), 'bisect', `${new Date().toISOString().replace(/[:.]/g, '-')}.jsonl`));
  fs.mkdirSync(path.dirname(log), { recursive: true });
  fs.writeFileSync(log, '');

  // Synchronous, so it also runs from the Ctrl-C handler.
  const reset = () => {
    if (fs.existsSync(path.join(gitDir, 'BISECT_START'))) execFileSync('git', ['-C', src, 'bisect', 'reset', original], { stdio: 'ignore' });
  };
  const unregister = a.onInterrupt?.(`reset the bisect in ${src} to ${original}`, reset) ?? (() => undefined);
  try {
    // git's own terms for a fix hunt: old = still broken, new = fixed.
    if (a.findFix) await git('bisect', 'start', '--term-old=broken', '--term-new=fixed', a.good, a.bad);
    else await git('bisect', 'start', a.bad, a.good);
    const step = (a.step ?? realStep)({ suites: a.suites.map(suiteRef), src, caseId: a.caseId, kernel: a.kernel, log, ...(a.accel && a.accel !== 'tcg' ? { accel: a.accel } : {}), ...(a.build ? { build: a.build } : {}), ...(a.findFix ? { findFix: true } : {}) });
    const run = execa('git', ['-C', src, 'bisect', 'run', ...step], { stdin: 'ignore', all: true, buffer: false, reject: false });
    let text = '';
    let stepsSeen = 0;
    const newSteps = () => {
      const all = readSteps(log);
      for (const st of all.slice(stepsSeen)) a.onStep?.(st);
      stepsSeen = all.length;
      return all;
    };
    run.all!.on('data', (d: Buffer) => {
      text += d.toString('utf8');
      // With onStep, the steps go there, typed, from the step log; their lines are not passed on as text too.
      const lines = a.onStep ? /^Bisecting:|is the first (bad|fixed) commit|^There are only 'skip'ped/ : /^bisect step |^Bisecting:|is the first (bad|fixed) commit|^There are only 'skip'ped/;
      for (const l of d.toString('utf8').split('\n')) if (lines.test(l)) out(l);
      // A step prints its line after appending to the log; a line split between chunks is caught by the next step or the end.
      if (a.onStep && /^bisect step /m.test(d.toString('utf8'))) newSteps();
    });
    const r = await run;
    const steps = newSteps();
    const sha = /^([0-9a-f]{40}) is the first (?:bad|fixed) commit/m.exec(text)?.[1];
    if (!sha) {
      if (r.exitCode !== 0 && !/only 'skip'ped commits/.test(text)) throw new EnvironmentError(`git bisect run stopped (exit code ${r.exitCode}):\n${text.trim().split('\n').slice(-15).join('\n')}`, `see the step log ${log}`);
      return { steps, log };
    }
    const subject = await git('log', '-1', '--format=%s', sha);
    return { firstBad: { sha, subject, ...(steps.find((s) => s.commit === sha) ? { step: steps.find((s) => s.commit === sha)! } : {}) }, steps, log };
  } finally {
    reset();
    unregister();
  }
}

function readSteps(log: string): StepLog[] {
  return fs
    .readFileSync(log, 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as StepLog);
}
