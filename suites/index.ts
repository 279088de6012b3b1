/** The suites by name. */
import { EnvironmentError } from '../harness/qemu/errors.js';
import type { SuiteSpec } from '../harness/runner/case.js';
import { emulatedSuite } from './emulated/msix-core-rules.js';

export const suites: readonly SuiteSpec[] = [emulatedSuite];

export function suiteByName(name: string): SuiteSpec {
  const s = suites.find((x) => x.name === name);
  if (!s) throw new EnvironmentError(`no suite "${name}"`, `use --suite ${suites.map((x) => x.name).join(' or ')}`);
  return s;
}
