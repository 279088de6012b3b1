/**
 * One step of `git bisect run` (an entry point: bisect.ts names it as the
 * command git runs). Arguments: a JSON StepJob. Exits with git's answer
 * (bisect-step.ts).
 */
import { loadSuite, type SuiteRef } from '../runner/suite-ref.js';
import { bisectStep, SKIP, type StepArgs } from './bisect-step.js';

export interface StepJob extends Omit<StepArgs, 'suites'> {
  readonly suites: readonly SuiteRef[];
}

async function main(): Promise<number> {
  const job = JSON.parse(process.argv[2] ?? '') as StepJob;
  return bisectStep({ ...job, suites: await Promise.all(job.suites.map(loadSuite)) });
}

process.exitCode = await main().catch((e: unknown) => {
  // git reads anything but 0, 1-124 and 126-127 as a reason to stop; an error here judges nothing.
  process.stderr.write(`bisect step: ${e instanceof Error ? e.message : String(e)}\n`);
  return SKIP;
});
