/** A suite named by its module and name, so a run in another process (the box, a bisect step) can load it by itself. */
import type { SuiteSpec } from '../case/case.js';

export interface SuiteRef {
  readonly module: string;
  readonly name: string;
}

export const suiteRef = (s: SuiteSpec): SuiteRef => ({ module: s.module, name: s.name });

export async function loadSuite(ref: SuiteRef): Promise<SuiteSpec> {
  const mod = (await import(ref.module)) as Record<string, unknown>;
  const s = Object.values(mod).find((x): x is SuiteSpec => !!x && typeof x === 'object' && (x as SuiteSpec).name === ref.name && Array.isArray((x as SuiteSpec).cases));
  if (!s) throw new Error(`${ref.module} exports no suite named ${ref.name}`);
  return s;
}
