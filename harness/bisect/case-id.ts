/** A case id (suite.device.slug) to the suite and device that run it, among the suites handed in. */
import { EnvironmentError } from '../errors.js';
import type { SuiteSpec } from '../runner/case.js';

export function caseById(id: string, suites: readonly SuiteSpec[]): { suite: SuiteSpec; device: string } {
  const [suiteName, device, slug, ...rest] = id.split('.');
  const suite = suites.find((s) => s.name === suiteName);
  if (!suite || !device || !slug || rest.length || !suite.cases.some((c) => c.slug === slug)) {
    const examples = suites.flatMap((s) => s.cases.slice(0, 1).map((c) => `${s.name}.e1000e.${c.slug}`));
    throw new EnvironmentError(`"${id}" is not a case id`, `use suite.device.case, e.g. ${examples.join(' or ')} (ids are in every report)`);
  }
  return { suite, device };
}
