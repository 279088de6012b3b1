/**
 * compare over 2 builds x 2 kernels in one run, against the sum of the four
 * single runs (one build, one kernel each), all through the CLI as a user
 * runs them. compare boots each kernel's box once and runs every build in
 * it. Goal: at most 0.6 x the sum.
 */
import { fileURLToPath } from 'node:url';
import { execa } from 'execa';

const MAIN = fileURLToPath(new URL('../bin/msix-harness.js', import.meta.url));

async function wall(args: readonly string[]): Promise<number> {
  const t = performance.now();
  const r = await execa(process.execPath, [MAIN, ...args], { reject: false, stdin: 'ignore' });
  if (r.exitCode !== 0) throw new Error(`msix-harness ${args.join(' ')} exited ${r.exitCode}:\n${r.stderr.split('\n').slice(-10).join('\n')}`);
  return performance.now() - t;
}

export async function benchCompare(specs: readonly string[], kernels: readonly string[] = ['6.1', '6.12']): Promise<void> {
  let singles = 0;
  const parts: string[] = [];
  for (const k of kernels)
    for (const q of specs) {
      const ms = await wall(['run', '--suite', 'vfio', '--qemu', q, '--kernel', k, '--reporter', 'json', '--out', '/dev/null']);
      singles += ms;
      parts.push(`${q}@${k} ${(ms / 1000).toFixed(1)} s`);
    }
  const together = await wall(['compare', ...specs.flatMap((q) => ['--qemu', q]), '--kernel', kernels.join(','), '--reporter', 'json', '--out', '/dev/null']);
  const ratio = together / singles;
  console.log(`\ncompare, ${specs.length} builds x ${kernels.length} kernels (vfio suite, box)`);
  console.log(`  single runs: ${parts.join(', ')}; sum ${(singles / 1000).toFixed(1)} s`);
  console.log(`  one compare: ${(together / 1000).toFixed(1)} s, ratio ${ratio.toFixed(2)} (goal <= 0.6: ${ratio <= 0.6 ? 'meets goal' : 'BELOW GOAL'})`);
}
