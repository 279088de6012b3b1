/**
 * The run inside the box (an entry point, started by vfio-in-box.ts): the
 * job from the environment, the suite loaded from its module, the box's
 * device (already on vfio-pci) as the host device; each case result goes
 * back over the console as it ends. Exit code 0 when the run completed,
 * whatever the cases' outcomes (they travel in the results).
 */
import { deserializeBuilds } from '../builds/qemu-build.js';
import { openBoxDeviceUnderTest } from './box-device-under-test.js';
import { caseForConsole, readJob, readyForConsole } from './in-box-protocol.js';
import { runPlan } from './run-plan.js';
import { loadSuite } from './suite-ref.js';
import { loadPlugin } from '../devices/plugin-ref.js';
import type { CaseResult } from '../results/run-report.js';
import type { MachineType } from '../qemu/machine.js';

async function main(): Promise<number> {
  const job = readJob(process.env);
  const suite = await loadSuite(job.suite);
  const progress = (m: string) => process.stderr.write(`${m}\n`);
  const common = {
    suites: [suite],
    builds: deserializeBuilds(job.builds),
    ...(job.filter ? { filter: job.filter } : {}),
    ...(job.shard ? { shard: job.shard } : {}),
    ...(job.shuffle !== undefined ? { shuffle: job.shuffle } : {}),
    ...(job.freshQemu ? { freshQemu: true } : {}),
    shardKernel: job.shardKernel,
    progress,
    onResult: (r: CaseResult) => process.stdout.write(caseForConsole(r)),
  };
  // An emulated suite came for the box's KVM: QEMU's own devices, the box's passed-through device left alone.
  if (suite.kind === 'emulated') {
    process.stdout.write(readyForConsole(process.uptime() * 1000));
    await runPlan({ ...common, devices: job.emulatedDevices ?? [], ...(job.machines ? { machines: job.machines as MachineType[] } : {}) });
    return 0;
  }
  const box = await openBoxDeviceUnderTest(await loadPlugin(job.device), progress);
  try {
    process.stdout.write(readyForConsole(process.uptime() * 1000));
    await runPlan({ ...common, hostDevice: box.dut });
    return 0;
  } finally {
    box.release();
  }
}

process.exitCode = await main().catch((e: unknown) => {
  process.stderr.write(`in-box run: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
  return 2;
});
