/**
 * QEMU start-to-ready (qtest and QMP connected and negotiated), median of
 * several starts. Run directly it measures the builds handed over in
 * MSIX_HARNESS_BUILDS and prints one JSON line per build: that is how the
 * bench measures it inside the box (bench/provision-bench.ts).
 */
import { fileURLToPath } from 'node:url';
import { Machine } from '../harness/qemu/machine.js';
import { deserializeBuilds, PROBED_BUILDS_ENV, type QemuBuild } from '../harness/builds/qemu-build.js';

export const START_MARK = '@@start-to-ready';

export async function startToReady(build: QemuBuild, starts: number): Promise<number> {
  const times: number[] = [];
  for (let i = 0; i < starts; i++) {
    const t = performance.now();
    const m = await Machine.launch(build, {});
    times.push(performance.now() - t);
    await m.shutdown();
  }
  return [...times].sort((a, b) => a - b)[Math.floor(times.length / 2)]!;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const starts = Number(process.argv[2] ?? 5);
  for (const b of deserializeBuilds(process.env[PROBED_BUILDS_ENV] ?? '[]')) console.log(`${START_MARK} ${JSON.stringify({ spec: b.spec, ms: await startToReady(b, starts) })}`);
}
