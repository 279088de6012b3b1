/** How every text output marks an outcome, in one place (the console pads it to line up). */
import type { Outcome } from '../results/run-report.js';

export const OUTCOME_MARK: Readonly<Record<Outcome, string>> = { passed: 'ok', failed: 'FAIL', error: 'ERR', skipped: 'skip', xfail: 'xfail', xpass: 'XPASS' };
