/**
 * Today's builds and kernels: cold provisioning of debian:sid (packages and
 * its own library closure) and of the newest kernel series (packages,
 * initramfs, first boot), each in an empty cache folder of its own that is
 * removed afterwards; then QEMU start-to-ready per build outside and inside
 * the box, and the vfio case median per build in the box, with the ratio
 * of builds started with their own libraries to those on the machine's.
 */
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { execa } from 'execa';
import { runInBox } from '../harness/box/box.js';
import { PROBED_BUILDS_ENV, serializeBuilds, type QemuBuild } from '../harness/builds/qemu-build.js';
import { runVfioInBox } from '../harness/runner/vfio-in-box.js';
import { START_MARK, startToReady } from './start-to-ready.js';
import { vfioSuite } from '../suites/vfio/host-tracks-guest.js';
import { e1000e } from '../harness/devices/e1000e.js';
import { boxHardwareNamed } from '../harness/runner/box-device-under-test.js';

const MAIN = fileURLToPath(new URL('../bin/msix-harness.js', import.meta.url));
const START_SCRIPT = fileURLToPath(new URL('./start-to-ready.js', import.meta.url));
const STARTS = 5;
const median = (xs: readonly number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const verdict = (ok: boolean) => (ok ? 'meets goal' : 'BELOW GOAL');
const s = (ms: number) => `${(ms / 1000).toFixed(1)} s`;

/** Wall time of a CLI command in an empty cache of its own. */
async function cold(args: readonly string[]): Promise<number> {
  const cache = await fs.mkdtemp(path.join(os.tmpdir(), 'msix-harness-bench-cache-'));
  try {
    const t = performance.now();
    const r = await execa(process.execPath, [MAIN, ...args], { reject: false, stdin: 'ignore', env: { MSIX_HARNESS_CACHE: cache }, all: true });
    if (r.exitCode !== 0) throw new Error(`msix-harness ${args.join(' ')} exited ${r.exitCode}:\n${r.all?.split('\n').slice(-10).join('\n')}`);
    return performance.now() - t;
  } finally {
    await fs.rm(cache, { recursive: true, force: true });
  }
}

export async function benchProvision(builds: readonly QemuBuild[], kernel = 'newest'): Promise<void> {
  const progress = (m: string) => process.stderr.write(`${m}\n`);
  console.log('\ncold provisioning (empty cache, downloads included)');
  const sid = await cold(['run', '--suite', 'emulated', '--device', 'e1000e', '--grep', 'reset-state', '--qemu', 'debian:sid', '--reporter', 'json', '--out', '/dev/null']);
  console.log(`  debian:sid (packages, own library closure, one case): ${s(sid)}`);
  const box = await cold(['box', '--kernel', kernel, '--', 'true']);
  console.log(`  kernel ${kernel} (packages, busybox, initramfs, first boot): ${s(box)}`);

  console.log(`\nQEMU start to ready (median of ${STARTS})`);
  const inside = new Map<string, number>();
  await runInBox({
    kernel: '6.12',
    device: boxHardwareNamed('e1000e'),
    command: [process.execPath, START_SCRIPT, String(STARTS)],
    env: { [PROBED_BUILDS_ENV]: serializeBuilds(builds) },
    timeoutMs: 600_000,
    progress,
    onOutput: (l) => {
      if (l.startsWith(START_MARK)) {
        const j = JSON.parse(l.slice(START_MARK.length)) as { spec: string; ms: number };
        inside.set(j.spec, j.ms);
      }
    },
  });
  for (const b of builds) {
    const out = await startToReady(b, STARTS);
    console.log(`  ${b.label} [${b.launch.libraries} libraries]: outside ${out.toFixed(0)} ms, inside the box (kernel 6.12) ${inside.get(b.spec)?.toFixed(0) ?? '?'} ms`);
  }

  console.log('\nvfio case median per build, in one box (kernel 6.12)');
  const r = await runVfioInBox({ suite: vfioSuite, builds, kernels: ['6.12'], device: e1000e, progress, onLine: () => undefined });
  const medians = new Map(builds.map((b) => [b.spec, median(r.cases.filter((c) => c.qemu.spec === b.spec).map((c) => c.durationMs))]));
  const systemMedians = builds.filter((b) => b.launch.libraries === 'system').map((b) => medians.get(b.spec)!);
  const systemRef = systemMedians.length ? median(systemMedians) : undefined;
  for (const b of builds) {
    const m = medians.get(b.spec)!;
    const ratio = b.launch.libraries === 'own' && systemRef ? `, ${(m / systemRef).toFixed(2)} x the system-library builds' median (goal <= 1.2: ${verdict(m / systemRef <= 1.2)})` : '';
    console.log(`  ${b.label} [${b.launch.libraries} libraries]: median ${m} ms (goal <= 1000: ${verdict(m <= 1000)})${ratio}`);
  }
  const failed = r.cases.filter((c) => c.outcome === 'failed');
  if (failed.length) console.log(`  ${failed.length} case(s) FAILED: ${failed.map((c) => `${c.id}@${c.qemu.spec}`).join(', ')}`);
}
