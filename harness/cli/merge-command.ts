/** `msix-harness merge`: join the JSON reports of shards (or of separate runs) into one report of any format. */
import fs from 'node:fs/promises';
import { compare } from '../matrix/comparison.js';
import { EnvironmentError } from '../errors.js';
import { combinationKey, combinationOf, describeCombination } from '../results/combination.js';
import { summarize, type BuildRef, type CaseResult, type RunReport } from '../results/run-report.js';
import { exitForSummary } from './exit-codes.js';
import { withReporting } from './reporting.js';
import { summaryLine } from '../report/console-report.js';
import type { FormatChoice } from '../report/format-reporters.js';

export async function readReport(file: string): Promise<RunReport> {
  let j: unknown;
  try {
    j = JSON.parse(await fs.readFile(file, 'utf8'));
  } catch (e) {
    throw new EnvironmentError(`cannot read ${file} as a JSON report: ${(e as Error).message.split('\n')[0]}`, 'pass reports written by msix-harness --reporter json');
  }
  const r = j as Partial<RunReport>;
  if (r.tool?.name !== 'msix-harness' || !Array.isArray(r.cases) || !Array.isArray(r.builds)) throw new EnvironmentError(`${file} is not an msix-harness JSON report`, 'pass reports written by msix-harness --reporter json');
  return r as RunReport;
}

export function mergeReports(reports: readonly RunReport[], warn: (m: string) => void = () => undefined): RunReport {
  const builds = new Map<string, BuildRef>();
  const cases = new Map<string, CaseResult>();
  for (const r of reports) {
    for (const b of r.builds) builds.set(`${b.spec}|${b.sha256}`, b);
    for (const c of r.cases) {
      const key = combinationKey(combinationOf(c));
      if (cases.has(key)) warn(`merge: ${describeCombination(combinationOf(c))} is in more than one report (overlapping shards?); the first is kept`);
      else cases.set(key, c);
    }
  }
  const first = [...reports].sort((a, b) => a.startedAt.localeCompare(b.startedAt))[0]!;
  const all = [...cases.values()];
  return { ...first, durationMs: reports.reduce((s, r) => s + r.durationMs, 0), builds: [...builds.values()], cases: all, summary: summarize(all) };
}

export async function mergeCommand(files: readonly string[], o: { formats: readonly FormatChoice[]; strict?: boolean }): Promise<number> {
  if (!files.length) throw new EnvironmentError('no reports to merge', 'pass the JSON reports of the shards, e.g. msix-harness merge shard-*.json --reporter junit --out all.xml');
  const reports = await Promise.all(files.map(readReport));
  return withReporting({ title: 'merge', formats: o.formats }, async (rep) => {
    const merged = mergeReports(reports, rep.progress);
    return { code: exitForSummary(merged.summary, !!o.strict), summary: summaryLine(merged).split('\n')[0]!, report: merged, comparison: compare(merged.cases) };
  });
}
