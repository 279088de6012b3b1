/**
 * npm run bench: speed as ratios taken in one run, never in a timed test.
 *   - qtest synchronous round trips/s and pipelined writes/s, harness vs a
 *     raw-socket floor on the same QEMU (goals: sync >= 0.8 x floor;
 *     pipelined >= 10 x harness sync and >= 0.5 x floor pipelined);
 *   - QEMU start-to-ready (qtest + QMP connected and negotiated) per build;
 *   - the nested vfio host: boot, median vfio case, vfio suite per build
 *     (bench/box-bench.ts);
 *   - compare over 2 builds x 2 kernels against four single runs
 *     (bench/compare-bench.ts);
 *   - bisect of the 7.2 stable history with an injected regression, time
 *     per step (bench/bisect-bench.ts; long on a cold ccache);
 *   - today's builds and kernels: cold provisioning of debian:sid and the
 *     newest kernel, start-to-ready outside and inside the box, the vfio
 *     case median per build (bench/provision-bench.ts);
 *   - the full matrix, every Debian QEMU x 6.1, 6.12, newest, both suites,
 *     in one compare (bench/matrix-bench.ts).
 *   - bisect --find-fix of the same history for a known bug's fix (7.2.20).
 *   - the vfio suite per box device (e1000e, igb, nvme, igbvf) on the newest build
 *     (bench/devices-bench.ts), and a migration case against plain emulated
 *     cases (bench/migration-bench.ts).
 *   - the inspector: a click on its page to the page showing the change
 *     (bench/inspector-bench.ts).
 *   - covering every device (bench/coverage-bench.ts): exact counting against
 *     the mailbox per fire (`counting`), the device-independent contract over
 *     every MSI-X device of the newest build with a fresh census (`contract`),
 *     compare --layout over bullseye, bookworm, trixie and the newest, fresh
 *     (`layout`).
 *   - only with --only sweep: both suites over Debian's releases in order,
 *     with the whole 7.2 stable history built in place of bookworm's 7.2
 *     (bullseye, v7.2.0 .. v7.2.22, bookworm .. newest, or the builds given), the changes between
 *     consecutive releases written to docs/release-sweep.md, the time per
 *     release, and the new case groups' time per case against the rest
 *     (bench/sweep-bench.ts). Each release's report is kept in reports/ and
 *     reused by the next sweep (the table is judged again by the registry
 *     as it is then); --fresh runs every release again.
 *   - the KVM path (bench/kvm-bench.ts, `kvm`): box boot with kvm_amd
 *     loaded against without, and per build the vfio case median under KVM
 *     against TCG in one box.
 *   - only with --only flakes: the emulated suite 20 times and the vfio suite
 *     5 times in one box, cases whose outcome changed (bench/flakes-bench.ts).
 *   - where the time goes (bench/time-bench.ts, `time`): per build, a vfio case in
 *     the box and an emulated case split into QEMU start, qtest, QMP, host reads,
 *     waits, shutdown and the rest; the box's boot stages, runner start, time between cases.
 * `npm run bench -- --only qtest,time,box,compare,bisect,find-fix,provision,matrix,devices,migration,inspector,counting,contract,layout,kvm` picks parts;
 * `--grep RE` limits the box's vfio suite to matching cases (to compare with an older suite).
 * Builds: arguments (paths, debian:<suite>, ...), default every Debian QEMU
 * (bookworm, bookworm-backports, trixie, newest).
 */
import { QemuProcess } from '../harness/qemu/qemu-process.js';
import { resolveBuild } from '../harness/builds/build-spec.js';
import { Machine } from '../harness/qemu/machine.js';
import type { QemuBuild } from '../harness/builds/qemu-build.js';
import * as ops from '../harness/protocol/qtest-ops.js';
import { FloorClient } from './qtest-floor.js';
import { benchBox } from './box-bench.js';
import { benchCompare } from './compare-bench.js';
import { benchBisect, benchFindFix } from './bisect-bench.js';
import { benchMatrix } from './matrix-bench.js';
import { benchProvision } from './provision-bench.js';
import { startToReady } from './start-to-ready.js';
import { benchDevices } from './devices-bench.js';
import { benchMigration } from './migration-bench.js';
import { benchFlakes } from './flakes-bench.js';
import { benchInspector } from './inspector-bench.js';
import { benchContract, benchCounting, benchLayout } from './coverage-bench.js';
import { benchKvm } from './kvm-bench.js';
import { benchTime } from './time-bench.js';
import { seedSpec } from '../harness/regressions/seed-revert.js';
import { stableReleaseSpec } from '../harness/regressions/stable-release.js';
import { benchSweep, SWEEP_BUILDS } from './sweep-bench.js';

/** compare --layout's figure is taken over these, whatever builds the bench was given. */
const LAYOUT_BUILDS = ['debian:bullseye', 'debian:bookworm', 'debian:trixie', 'debian:newest'];
const SYNC_N = 5000;
const PIPE_N = 100_000;
const ROUNDS = 3;
const STARTS = 10;

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const rate = (n: number, ms: number) => (n * 1000) / ms;

async function timeIt(f: () => Promise<unknown>): Promise<number> {
  const t = performance.now();
  await f();
  return performance.now() - t;
}

function writes(n: number): string[] {
  return Array.from({ length: n }, (_, i) => `writel 0x${(0x100000 + (i % 1024) * 4).toString(16)} 0x${i.toString(16)}`);
}

async function floorRates(build: QemuBuild): Promise<{ sync: number; pipe: number }> {
  const { proc, sockets } = await QemuProcess.spawn({
    binary: build.binary,
    env: build.env,
    launch: build.launch,
    args: [...build.dataDirs.flatMap((d) => ['-L', d]), '-machine', 'q35', ...(build.accel === 'qtest' ? ['-accel', 'qtest'] : ['-accel', 'tcg', '-S']), '-nodefaults', '-display', 'none'],
    sockets: ['qtest.sock'],
    argsFor: (p) => ['-qtest', `unix:${p('qtest.sock')}`, '-qtest-log', 'none'],
  });
  try {
    const c = new FloorClient(sockets[0]!);
    const sync = await timeIt(async () => {
      for (let i = 0; i < SYNC_N; i++) await c.exchange('readl 0x1000\n', 1);
    });
    const text = writes(PIPE_N).join('\n') + '\n';
    const pipe = await timeIt(() => c.exchange(text, PIPE_N));
    return { sync: rate(SYNC_N, sync), pipe: rate(PIPE_N, pipe) };
  } finally {
    await proc.shutdown([{ stage: 'SIGKILL', timeoutMs: 3000 }]);
  }
}

async function harnessRates(build: QemuBuild): Promise<{ sync: number; pipe: number }> {
  const m = await Machine.launch(build, {});
  try {
    const sync = await timeIt(async () => {
      for (let i = 0; i < SYNC_N; i++) await m.qtest.readl(0x1000);
    });
    const batch = Array.from({ length: PIPE_N }, (_, i) => ops.writel(0x100000 + (i % 1024) * 4, i));
    const pipe = await timeIt(() => m.qtest.pipeline(batch, 60_000));
    return { sync: rate(SYNC_N, sync), pipe: rate(PIPE_N, pipe) };
  } finally {
    await m.shutdown();
  }
}

const verdict = (ok: boolean) => (ok ? 'meets goal' : 'BELOW GOAL');

async function main(): Promise<void> {
  const argv = process.argv.slice(2);
  const onlyAt = argv.indexOf('--only');
  const only = onlyAt >= 0 ? new Set(argv[onlyAt + 1]!.split(',')) : new Set(['qtest', 'time', 'box', 'compare', 'bisect', 'find-fix', 'provision', 'matrix', 'devices', 'migration', 'inspector', 'counting', 'contract', 'layout', 'kvm']);
  const grepAt = argv.indexOf('--grep');
  const grep = grepAt >= 0 ? argv[grepAt + 1] : undefined;
  const fresh = argv.includes('--fresh');
  const positional = argv.filter((a, i) => i !== onlyAt && i !== onlyAt + 1 && i !== grepAt && i !== grepAt + 1 && a !== '--fresh');
  const specs = positional.length ? positional : ['debian:bookworm', 'debian:bookworm-backports', 'debian:trixie', 'debian:newest'];
  const builds: QemuBuild[] = [];
  for (const spec of specs) {
    const build = await resolveBuild(spec, (m) => process.stderr.write(`${m}\n`), [seedSpec, stableReleaseSpec]);
    builds.push(build);
    if (!only.has('qtest')) continue;
    // Alternate harness and floor rounds so both see the same machine load; keep each one's median.
    const h = { sync: [] as number[], pipe: [] as number[] };
    const f = { sync: [] as number[], pipe: [] as number[] };
    for (let r = 0; r < ROUNDS; r++) {
      const a = await harnessRates(build);
      const b = await floorRates(build);
      h.sync.push(a.sync);
      h.pipe.push(a.pipe);
      f.sync.push(b.sync);
      f.pipe.push(b.pipe);
    }
    const hs = median(h.sync), hp = median(h.pipe), fs = median(f.sync), fp = median(f.pipe);
    const ready = await startToReady(build, STARTS);
    console.log(`\nQEMU ${build.label} (${build.accel})`);
    console.log(`  qtest sync round trips/s : harness ${hs.toFixed(0)}, floor ${fs.toFixed(0)}, ratio ${(hs / fs).toFixed(2)} (goal >= 0.8: ${verdict(hs / fs >= 0.8)})`);
    console.log(`  qtest pipelined writes/s : harness ${hp.toFixed(0)}, floor ${fp.toFixed(0)}, ratio ${(hp / fp).toFixed(2)} (goal >= 0.5: ${verdict(hp / fp >= 0.5)})`);
    console.log(`  pipelined / sync (harness): ${(hp / hs).toFixed(1)} x (goal >= 10: ${verdict(hp / hs >= 10)})`);
    console.log(`  start to ready (median of ${STARTS}): ${ready.toFixed(1)} ms`);
  }
  if (only.has('time')) await benchTime([builds[0]!, builds.at(-1)!]);
  if (only.has('box')) await benchBox(builds, grep);
  if (only.has('kvm')) await benchKvm([builds[0]!, builds.at(-1)!]);
  if (only.has('devices')) await benchDevices(builds.at(-1)!);
  if (only.has('migration')) await benchMigration(builds.at(-1)!);
  if (only.has('inspector')) await benchInspector(builds.at(-1)!);
  if (only.has('counting')) await benchCounting([builds[0]!, builds.at(-1)!]);
  if (only.has('contract')) await benchContract(builds.at(-1)!);
  if (only.has('layout')) await benchLayout(await Promise.all(LAYOUT_BUILDS.map((s) => resolveBuild(s, (m) => process.stderr.write(`${m}\n`)))));
  // Long (about half an hour): only when asked for.
  if (only.has('flakes')) await benchFlakes(builds.at(-1)!);
  if (only.has('sweep')) await benchSweep(positional.length ? positional : SWEEP_BUILDS, { fresh });
  if (only.has('compare')) await benchCompare(specs.slice(0, 2));
  if (only.has('provision')) await benchProvision(builds);
  if (only.has('matrix')) await benchMatrix(specs);
  if (only.has('bisect')) await benchBisect();
  if (only.has('find-fix')) await benchFindFix();
}

await main();
