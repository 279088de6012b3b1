/**
 * The KVM path's cost, as ratios taken in one run: the box boot with KVM
 * loaded against without (alternating boots, median of each), and per
 * build the vfio suite in one box under TCG and under KVM (split irqchip):
 * the median of the cases that ran under both (KVM-only cases left out).
 */
import { runInBox } from '../harness/box/box.js';
import { runVfioInBox } from '../harness/runner/vfio-in-box.js';
import { buildsUnder } from '../harness/runner/run-accel.js';
import type { QemuBuild } from '../harness/builds/qemu-build.js';
import { vfioSuite } from '../suites/vfio/host-tracks-guest.js';
import { e1000e } from '../harness/devices/e1000e.js';
import { boxHardwareNamed } from '../harness/runner/box-device-under-test.js';

const BOOTS = 3;
const median = (xs: readonly number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

export async function benchKvm(builds: readonly QemuBuild[], kernel = '6.12'): Promise<void> {
  const progress = (m: string) => process.stderr.write(`${m}\n`);
  const boots = { tcg: [] as number[], kvm: [] as number[] };
  for (let i = 0; i < BOOTS; i++) {
    for (const kvm of [false, true]) boots[kvm ? 'kvm' : 'tcg'].push((await runInBox({ kernel, device: boxHardwareNamed('e1000e'), command: ['true'], ...(kvm ? { kvm: true } : {}), timeoutMs: 120_000, progress })).bootMs);
  }
  console.log(`\nKVM path (box kernel ${kernel}, e1000e)`);
  console.log(`  box boot, median of ${BOOTS}: without KVM ${median(boots.tcg)} ms [${boots.tcg.join(', ')}], with kvm_amd loaded ${median(boots.kvm)} ms [${boots.kvm.join(', ')}]: ratio ${(median(boots.kvm) / median(boots.tcg)).toFixed(2)}`);
  for (const build of builds) {
    const r = await runVfioInBox({ suite: vfioSuite, builds: buildsUnder([build], ['tcg', 'kvm-split']), kernels: [kernel], device: e1000e, progress, onLine: () => undefined });
    const ran = (accel: string) => new Map(r.cases.filter((c) => c.qemu.accel === accel && c.outcome !== 'skipped').map((c) => [c.id, c.durationMs]));
    const kvm = ran('kvm-split');
    const tcg = ran(build.accel);
    const both = [...tcg.keys()].filter((id) => kvm.has(id));
    const failed = r.cases.filter((c) => c.outcome === 'failed').map((c) => `${c.id} (${c.qemu.accel})`);
    const mt = median(both.map((id) => tcg.get(id)!));
    const mk = median(both.map((id) => kvm.get(id)!));
    console.log(`  QEMU ${build.label}: ${both.length} cases under both${failed.length ? `, FAILED: ${failed.join(', ')}` : ''}`);
    console.log(`    median case: TCG ${mt} ms, KVM ${mk} ms: KVM / TCG ${(mk / mt).toFixed(2)}; KVM-only cases ${[...kvm.keys()].filter((id) => !tcg.has(id)).length}`);
  }
}
