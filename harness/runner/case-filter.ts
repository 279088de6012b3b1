/**
 * Which cases a run takes, as data, since it travels into the box and into
 * bisect steps: a regular expression over "id title" as the CLI's --grep
 * gives it, and/or exact case ids (bisect runs one). Turned into a
 * predicate here, once.
 */
import { caseIdText, type CaseId } from '../case-id.js';

export interface CaseFilter {
  /** Matched against "suite.device.slug title". */
  readonly grep?: string;
  /** Exact ids (suite.device.slug). */
  readonly ids?: readonly string[];
}

export type CasePredicate = (id: CaseId, title: string) => boolean;

export function casePredicate(f: CaseFilter | undefined): CasePredicate {
  const re = f?.grep ? new RegExp(f.grep) : undefined;
  const ids = f?.ids ? new Set(f.ids) : undefined;
  return (id, title) => {
    const text = caseIdText(id);
    return (!re || re.test(`${text} ${title}`)) && (!ids || ids.has(text));
  };
}
