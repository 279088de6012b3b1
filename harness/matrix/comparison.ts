/**
 * The comparison matrix: one row per case, one column per QEMU build and
 * host kernel. A cell is the outcome there; where a case's expected values
 * differ between columns (behaviour that changed between versions or host
 * kernels), the cell also says what was observed, so the rows that tell
 * builds apart stand out.
 */
import { combinationKey, combinationOf } from '../results/combination.js';
import type { CaseResult, Outcome } from '../results/run-report.js';

export interface Column {
  readonly key: string;
  readonly buildSpec: string;
  /** The build, and for a migration its destination ("7.2.22 -> 11.1.3"). */
  readonly buildLabel: string;
  /** The destination build's spec of a migration column. */
  readonly migratedTo?: string;
  /** The host kernel the case ran on (the box's, for vfio cases), with NORESIZE when known. */
  readonly kernel: string;
  /** The accelerator where the run chose it (kvm-split, kvm-on). */
  readonly accel?: string;
}

export interface Cell {
  readonly outcome: Outcome;
  /** Observations whose expected value differs across this row's columns: label -> observed. */
  readonly behaviour: readonly { readonly label: string; readonly observed: unknown; readonly ok: boolean }[];
  readonly result: CaseResult;
}

export interface Row {
  readonly caseId: string;
  readonly title: string;
  readonly pins: readonly string[];
  /** Column key -> cell; a column without a cell did not run the case. */
  readonly cells: ReadonlyMap<string, Cell>;
  /** Outcomes or observed behaviour differ between columns. */
  readonly differs: boolean;
}

export interface Comparison {
  readonly columns: readonly Column[];
  readonly rows: readonly Row[];
}

/** A column is a combination without its case: build (and destination), kernel. */
export function columnOf(c: CaseResult): Column {
  const kernel = c.hostDevice ? `${c.hostKernel} ${c.hostDevice.noresize ? 'noresize' : 'dyn'}` : `${c.hostKernel} (emulated)`;
  const combination = combinationOf(c);
  const key = combinationKey({ ...combination, caseId: '', kernel });
  return { key, buildSpec: c.qemu.spec, buildLabel: c.migratedTo ? `${c.qemu.label} -> ${c.migratedTo.label}` : c.qemu.label, kernel, ...(c.migratedTo ? { migratedTo: c.migratedTo.spec } : {}), ...(combination.accel ? { accel: combination.accel } : {}) };
}

export function compare(cases: readonly CaseResult[]): Comparison {
  const columns = new Map<string, Column>();
  const byCase = new Map<string, CaseResult[]>();
  for (const c of cases) {
    const col = columnOf(c);
    if (!columns.has(col.key)) columns.set(col.key, col);
    byCase.set(c.id, [...(byCase.get(c.id) ?? []), c]);
  }
  const rows: Row[] = [];
  for (const [caseId, results] of byCase) {
    const varying = varyingLabels(results);
    const cells = new Map<string, Cell>();
    for (const r of results) {
      const behaviour = r.evidence.filter((o) => varying.has(o.label)).map((o) => ({ label: o.label, observed: o.observed, ok: o.ok }));
      cells.set(columnOf(r).key, { outcome: r.outcome, behaviour, result: r });
    }
    const distinct = new Set([...cells.values()].map((c) => JSON.stringify([c.outcome, c.behaviour.map((b) => b.observed)])));
    rows.push({ caseId, title: results[0]!.title, pins: results[0]!.pins, cells, differs: distinct.size > 1 });
  }
  return { columns: [...columns.values()], rows };
}

/** Labels whose expected value is not the same in every result of the row. */
function varyingLabels(results: readonly CaseResult[]): Set<string> {
  const expected = new Map<string, Set<string>>();
  for (const r of results) for (const o of r.evidence) expected.set(o.label, (expected.get(o.label) ?? new Set()).add(JSON.stringify(o.expected)));
  return new Set([...expected].filter(([, v]) => v.size > 1).map(([k]) => k));
}
