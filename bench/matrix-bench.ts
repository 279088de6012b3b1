/**
 * The full matrix in one compare: every Debian QEMU x kernels 6.1, 6.12 and
 * the newest series, both suites, warm caches. Goal: at most 5 minutes on a
 * 2-core machine.
 */
import { fileURLToPath } from 'node:url';
import { execa } from 'execa';

const MAIN = fileURLToPath(new URL('../bin/msix-harness.js', import.meta.url));

export async function benchMatrix(specs: readonly string[], kernels: readonly string[] = ['6.1', '6.12', 'newest']): Promise<void> {
  const args = ['compare', ...specs.flatMap((q) => ['--qemu', q]), '--kernel', kernels.join(','), '--suite', 'emulated,vfio', '--reporter', 'json', '--out', 'reports/matrix.json'];
  const t = performance.now();
  const r = await execa(process.execPath, [MAIN, ...args], { reject: false, stdin: 'ignore', all: true });
  const ms = performance.now() - t;
  const summary = r.all?.split('\n').find((l) => /\d+ passed, \d+ failed/.test(l)) ?? `exit code ${r.exitCode}`;
  console.log(`\nfull matrix: ${specs.length} builds x kernels ${kernels.join(', ')}, emulated and vfio suites, one compare`);
  console.log(`  ${(ms / 1000).toFixed(1)} s (goal <= 300 s: ${ms <= 300_000 ? 'meets goal' : 'BELOW GOAL'}); ${summary}; report in reports/matrix.json`);
}
