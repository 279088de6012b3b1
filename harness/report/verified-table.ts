/**
 * The table of builds and kernels a run verified, as Markdown: a row per
 * QEMU build (version, how it was named, its package, how it was started),
 * a column per suite and host kernel, each cell "passed/run" with the
 * failures counted. README's table is this output (scripts/readme-table).
 */
import { summaryLine } from './console-report.js';
import type { CaseResult, RunReport } from '../results/run-report.js';

const key = (c: CaseResult) => `${c.suite}@${c.suite === 'emulated' ? '' : c.hostKernel}`;

export function verifiedTable(report: RunReport): string {
  const columns = [...new Set(report.cases.map(key))].sort();
  const header = columns.map((col) => {
    const [suite, kernel] = col.split('@');
    return kernel ? `${suite} on kernel ${kernel}` : `${suite}`;
  });
  const rows = report.builds.map((b) => {
    const mine = report.cases.filter((c) => c.qemu.spec === b.spec && c.qemu.sha256 === b.sha256 && c.qemu.accel === b.accel);
    const cells = columns.map((col) => {
      const cs = mine.filter((c) => key(c) === col && c.outcome !== 'skipped');
      if (!cs.length) return '-';
      const passed = cs.filter((c) => c.outcome === 'passed').length;
      const others = (['failed', 'error', 'xfail', 'xpass'] as const).flatMap((o) => {
        const n = cs.filter((c) => c.outcome === o).length;
        return n ? [o === 'failed' || o === 'error' ? `**${n} ${o}**` : `${n} ${o}`] : [];
      });
      return [...others, `${passed}/${cs.length} passed`].join(', ');
    });
    return [`${b.version}`, `\`${b.spec}\``, b.package || '-', b.accel === 'qtest' ? 'qtest' : b.accel === 'tcg-stopped' ? 'tcg, stopped' : `KVM, kernel-irqchip=${b.accel.replace(/^kvm-/, '')}`, (b.libraries ?? 'system libraries').replace(/ \(.*/, ''), ...cells];
  });
  const head = ['QEMU', 'named as', 'package', 'accelerator', 'started with', ...header];
  const line = (cells: readonly string[]) => `| ${cells.map((c) => c.replace(/\|/g, '\\|')).join(' | ')} |`;
  return [
    line(head),
    line(head.map(() => '---')),
    ...rows.map(line),
    '',
    `From a run of ${report.startedAt.slice(0, 10)} on ${report.host.cpus} cores (${summaryLine(report).split('\n')[0]}; skipped cases are not counted above).`,
  ].join('\n') + '\n';
}
