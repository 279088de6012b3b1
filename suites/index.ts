/** The suites by name. */
import { EnvironmentError } from '../harness/errors.js';
import type { SuiteSpec } from '../harness/runner/case.js';
import { emulatedSuite } from './emulated/msix-core-rules.js';
import { vfioSuite } from './vfio/host-tracks-guest.js';

export const suites: readonly SuiteSpec[] = [emulatedSuite, vfioSuite];

export function suiteByName(name: string): SuiteSpec {
  const s = suites.find((x) => x.name === name);
  if (!s) throw new EnvironmentError(`no suite "${name}"`, `use --suite ${suites.map((x) => x.name).join(' or ')}`);
  return s;
}
