/**
 * The inspector on a device passed through inside the box: the box boots
 * with its device (a VF's PF) and a port forwarded from 127.0.0.1 here, the
 * inspector runs inside (inspector-in-box-main.ts) on that port, and the URL
 * it prints works here as it is. It lasts until Ctrl-C (which stops the
 * outer QEMU), at most MAX_MS.
 */
import net from 'node:net';
import { fileURLToPath } from 'node:url';
import { runInBox } from '../box/box.js';
import { serializeBuilds, type QemuBuild } from '../builds/qemu-build.js';
import { wantsKvm } from '../runner/run-accel.js';
import type { DevicePlugin } from '../devices/device-plugin.js';
import { EnvironmentError } from '../errors.js';
import { boxDeviceFor } from '../runner/box-device-under-test.js';
import { pluginRef, type PluginRef } from '../devices/plugin-ref.js';

export interface InspectorJob {
  /** The build, probed outside (serializeBuilds). */
  readonly builds: string;
  readonly device: PluginRef;
  readonly port: number;
}

export const INSPECTOR_JOB_ENV = 'MSIX_HARNESS_INSPECTOR_JOB';
const MAIN = fileURLToPath(new URL('./inspector-in-box-main.js', import.meta.url));
/** A session by hand has no natural end; the box still gets a bound. */
const MAX_MS = 12 * 3600_000;

export async function inspectInBox(o: { build: QemuBuild; plugin: DevicePlugin; kernel: string; port?: number; progress: (m: string) => void; onLine: (line: string) => void }): Promise<number> {
  const port = o.port ?? (await freePort());
  const job: InspectorJob = { builds: serializeBuilds([o.build]), device: await pluginRef(o.plugin), port };
  o.progress(`inspect: booting the box (kernel ${o.kernel}, ${o.plugin.name} on vfio-pci), 127.0.0.1:${port} forwarded to the inspector inside`);
  const r = await runInBox({ kernel: o.kernel, ...boxDeviceFor(o.plugin), ...(wantsKvm([o.build]) ? { kvm: true } : {}), command: [process.execPath, MAIN], env: { [INSPECTOR_JOB_ENV]: JSON.stringify(job) }, forwardPort: port, timeoutMs: MAX_MS, progress: o.progress, onOutput: o.onLine });
  if (r.exitCode !== 0) throw new EnvironmentError(`the inspector in the box ended with exit code ${r.exitCode}`, 'see its output above; `msix-harness box -- …` runs a command there to investigate');
  return 0;
}

/** A port free on 127.0.0.1 now (the outer QEMU binds it next; if something takes it first, QEMU says so). */
function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as net.AddressInfo;
      s.close(() => resolve(port));
    });
  });
}
