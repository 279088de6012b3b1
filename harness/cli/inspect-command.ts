/**
 * `msix-harness inspect`: one device under test driven by hand from a page
 * in the browser (harness/inspect/): emulated, passed through from this
 * host (--host-device), or passed through inside the box (--box). Runs
 * until Ctrl-C, which stops QEMU, removes its folder and puts a bound
 * device back, as for any command.
 */
import { resolveKernelSeries } from '../box/kernel.js';
import { devicePlugin } from '../devices/index.js';
import { EnvironmentError } from '../errors.js';
import { inspectInBox } from '../inspect/inspector-in-box.js';
import { startInspector } from '../inspect/start-inspector.js';
import { openHostDeviceUnderTest } from '../runner/host-device-under-test.js';
import { resolveBuilds } from './run-command.js';
import { buildsUnder, checkKvmHere, runAccels } from '../runner/run-accel.js';

export interface InspectArgs {
  readonly qemu: readonly string[];
  readonly device: string;
  readonly port?: number;
  readonly hostDevice?: string;
  readonly force?: boolean;
  readonly box?: boolean;
  readonly kernel: string;
  /** The accelerator the inspected QEMU runs under (default tcg; kvm: the box loads it). */
  readonly accel?: 'tcg' | 'kvm';
  readonly irqchip?: 'split' | 'on';
}

export async function inspectCommand(o: InspectArgs): Promise<number> {
  if (o.box && o.hostDevice) throw new EnvironmentError('--box and --host-device both name the device to pass through', 'give one: --box for the box device (--device), --host-device BDF for one of this machine');
  const progress = (m: string) => process.stderr.write(`${m}\n`);
  const [build] = buildsUnder(await resolveBuilds({ qemu: o.qemu.slice(0, 1), qemuSrc: [] }, progress), runAccels(o.accel, o.irqchip));
  // A KVM QEMU outside the box runs on this machine, with or without a host device.
  if (!o.box) checkKvmHere([build!]);
  const plugin = devicePlugin(o.device);
  if (o.box) {
    const kernel = await resolveKernelSeries(o.kernel, progress);
    return inspectInBox({ build: build!, plugin, kernel, ...(o.port !== undefined ? { port: o.port } : {}), progress, onLine: (l) => process.stdout.write(`${l}\n`) });
  }
  const hostDevice = o.hostDevice ? await openHostDeviceUnderTest(o.hostDevice, { force: !!o.force, progress }) : undefined;
  const inspector = await startInspector(hostDevice ? { build: build!, hostDevice } : { build: build!, plugin }, o.port !== undefined ? { port: o.port } : {});
  process.stdout.write(`${inspector.announcement}\n(only on this machine; Ctrl-C stops it)\n`);
  await new Promise<never>(() => undefined);
  return 0;
}
