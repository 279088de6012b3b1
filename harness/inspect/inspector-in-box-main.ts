/**
 * The inspector inside the box (an entry point, started by
 * inspector-in-box.ts): the box's device (or a VF made on it) on vfio-pci,
 * the page served on the box's NIC at the forwarded port. Runs until the
 * box is stopped.
 */
import { BOX_NET_ADDRESS } from '../box/box.js';
import { deserializeBuilds } from '../builds/qemu-build.js';
import { openBoxDeviceUnderTest } from '../runner/box-device-under-test.js';
import { INSPECTOR_JOB_ENV, type InspectorJob } from './inspector-in-box.js';
import { startInspector } from './start-inspector.js';
import { loadPlugin } from '../devices/plugin-ref.js';

async function main(): Promise<number> {
  const text = process.env[INSPECTOR_JOB_ENV];
  if (!text) throw new Error(`${INSPECTOR_JOB_ENV} is not set: this runs inside the box, started by \`msix-harness inspect --box\``);
  const job = JSON.parse(text) as InspectorJob;
  const progress = (m: string) => process.stderr.write(`${m}\n`);
  const [build] = deserializeBuilds(job.builds);
  const box = await openBoxDeviceUnderTest(await loadPlugin(job.device), progress);
  const inspector = await startInspector({ build: build!, hostDevice: box.dut }, { port: job.port, address: BOX_NET_ADDRESS }).catch((e: unknown) => {
    box.release();
    throw e;
  });
  process.stdout.write(`${inspector.announcement}\n`);
  return new Promise<number>(() => undefined);
}

process.exitCode = await main().catch((e: unknown) => {
  process.stderr.write(`inspector in the box: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
  return 2;
});
