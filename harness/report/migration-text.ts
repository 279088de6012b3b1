/**
 * The migration matrix as text: one row per source build, one column per
 * destination, each cell the outcome of the migration cases there, and
 * below it what went wrong, in QEMU's words where QEMU refused the state.
 */
import { migrationDirection } from '../results/migration-direction.js';
import type { CaseResult } from '../results/run-report.js';

import { OUTCOME_MARK as SYMBOL } from './outcome-mark.js';

export function migrationText(cases: readonly CaseResult[]): string {
  const mig = cases.filter((c) => c.migratedTo);
  const sources = [...new Set(mig.map((c) => c.qemu.label))];
  const dests = [...new Set(mig.map((c) => c.migratedTo!.label))];
  const width = Math.max(12, ...sources.map((s) => s.length));
  const col = Math.max(10, ...dests.map((d) => d.length));
  const lines = ['migration: source (rows) -> destination (columns); backward pairs (newer source) are shown, not gated', `${''.padEnd(width)}  ${dests.map((d) => d.padEnd(col)).join('  ')}`];
  const notes: string[] = [];
  for (const s of sources) {
    const cells = dests.map((d) => {
      const here = mig.filter((c) => c.qemu.label === s && c.migratedTo!.label === d);
      const dir = here[0] ? migrationDirection(here[0].qemu, here[0].migratedTo!) : 'same';
      // What went wrong first; a skip (a device one build lacks) only where nothing ran.
      const worst = here.find((c) => c.outcome !== 'passed' && c.outcome !== 'skipped') ?? here.find((c) => c.outcome === 'passed') ?? here[0];
      for (const c of here.filter((x) => x.outcome !== 'passed' && x.outcome !== 'skipped')) notes.push(`  ${s} -> ${d} (${dir}) ${c.device}: ${c.error?.message.split('\n').find((l) => /qemu|migrat|load|error/i.test(l)) ?? c.error?.message.split('\n')[0] ?? c.outcome}`);
      return `${worst ? SYMBOL[worst.outcome] : '-'}${dir === 'backward' ? ' (bwd)' : ''}`.padEnd(col);
    });
    lines.push(`${s.padEnd(width)}  ${cells.join('  ')}`);
  }
  return [...lines, ...(notes.length ? ['', ...notes] : [])].join('\n');
}
