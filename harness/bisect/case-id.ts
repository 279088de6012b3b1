/** A case id (suite.device.slug) to the suite and device that run it, among the suites handed in. */
import { parseCaseId } from '../case-id.js';
import { EnvironmentError } from '../errors.js';
import type { SuiteSpec } from '../case/case.js';

export function caseById(text: string, suites: readonly SuiteSpec[]): { suite: SuiteSpec; device: string } {
  const id = parseCaseId(text);
  const suite = id && suites.find((s) => s.name === id.suite);
  if (!id || !suite || !suite.cases.some((c) => c.slug === id.slug)) {
    const examples = suites.flatMap((s) => s.cases.slice(0, 1).map((c) => `${s.name}.e1000e.${c.slug}`));
    throw new EnvironmentError(`"${text}" is not a case id`, `use suite.device.case, e.g. ${examples.join(' or ')} (ids are in every report)`);
  }
  return { suite, device: id.device };
}
