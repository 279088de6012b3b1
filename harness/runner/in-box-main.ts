/**
 * The run inside the box (an entry point, started by vfio-in-box.ts): the
 * job from the environment, the suite loaded from its module, the box's
 * device (already on vfio-pci) as the host device; each case result goes
 * back over the console as it ends. Exit code 0 when the run completed,
 * whatever the cases' outcomes (they travel in the results).
 */
import { BOX_DEVICE_BDF } from '../box/box.js';
import { deserializeBuilds } from '../builds/qemu-build.js';
import { caseForConsole, readJob } from './in-box-protocol.js';
import { openHostDeviceUnderTest, runPlan } from './run-plan.js';
import { loadSuite } from './suite-ref.js';
import { devicePlugin } from '../devices/index.js';
import { createVf } from '../host/sriov-vf.js';

async function main(): Promise<number> {
  const job = readJob(process.env);
  const suite = await loadSuite(job.suite);
  const progress = (m: string) => process.stderr.write(`${m}\n`);
  // A VF plugin: the box's device is its PF, on the PF's driver; the VF made on it is the device under test.
  const vf = devicePlugin(job.device).sriovPf ? await createVf(BOX_DEVICE_BDF) : undefined;
  if (vf) progress(`SR-IOV: VF ${vf.vf} made on ${vf.pf}`);
  const dut = await openHostDeviceUnderTest(vf?.vf ?? BOX_DEVICE_BDF, { progress }).catch((e: unknown) => {
    vf?.remove();
    throw e;
  });
  try {
    progress(`host device ${dut.host.bdf}: ${dut.plugin.name} on vfio-pci, kernel ${dut.host.kernel}, MSI-X ${dut.host.noresize ? 'noresize' : 'dyn (vectors added one at a time)'}`);
    await runPlan({
      suites: [suite],
      builds: deserializeBuilds(job.builds),
      hostDevice: dut,
      ...(job.grep ? { grep: job.grep } : {}),
      ...(job.shard ? { shard: job.shard } : {}),
      shardKernel: job.shardKernel,
      progress,
      onResult: (r) => process.stdout.write(caseForConsole(r)),
    });
    return 0;
  } finally {
    dut.host.binding.restoreNow();
    vf?.remove();
  }
}

process.exitCode = await main().catch((e: unknown) => {
  process.stderr.write(`in-box run: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
  return 2;
});
