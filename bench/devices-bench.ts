/**
 * The vfio suite on each box device (e1000e, igb PF, nvme, igb VF) on one build:
 * the median case per device, against e1000e's in the same run (goal:
 * within 1.5 x).
 */
import type { QemuBuild } from '../harness/builds/qemu-build.js';
import { boxDevicePlugins, devicePlugin } from '../harness/devices/index.js';
import { runVfioInBox } from '../harness/runner/vfio-in-box.js';
import { vfioSuite } from '../suites/vfio/host-tracks-guest.js';

const median = (xs: readonly number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

export async function benchDevices(build: QemuBuild, kernel = '6.12'): Promise<void> {
  const progress = (m: string) => process.stderr.write(`${m}\n`);
  const medians = new Map<string, number>();
  console.log(`\nvfio suite per box device (QEMU ${build.label}, kernel ${kernel})`);
  for (const name of boxDevicePlugins.map((p) => p.name)) {
    const r = await runVfioInBox({ suite: vfioSuite, builds: [build], kernels: [kernel], device: devicePlugin(name), progress, onLine: () => undefined });
    const ran = r.cases.filter((c) => c.outcome !== 'skipped');
    medians.set(name, median(ran.map((c) => c.durationMs)));
    const ratio = medians.get(name)! / medians.get('e1000e')!;
    console.log(`  ${name}: ${ran.length} cases run, median ${medians.get(name)} ms, ${ratio.toFixed(2)} x e1000e (goal <= 1.5: ${ratio <= 1.5 ? 'meets goal' : 'BELOW GOAL'}); suite ${r.boxes[0]!.suiteMs} ms, boot ${r.boxes[0]!.bootMs} ms`);
  }
}
