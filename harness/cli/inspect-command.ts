/**
 * `msix-harness inspect`: one emulated device under test, driven from a
 * page in the browser (harness/inspect/). Runs until Ctrl-C, which stops
 * QEMU and removes its folder as for any command.
 */
import { devicePlugin } from '../devices/index.js';
import { InspectSession } from '../inspect/inspect-session.js';
import { serveInspector } from '../inspect/inspect-server.js';
import { Dut } from '../runner/dut.js';
import { resolveBuilds } from './run-command.js';

/** Trace events about MSI-X from QEMU's core and every device's model (e1000e_irq_msix_notify_vec, vfio_msix_...). */
const TRACES = ['*msix*'];

export async function inspectCommand(o: { qemu: string[]; device: string; port?: number }): Promise<number> {
  const progress = (m: string) => process.stderr.write(`${m}\n`);
  const [build] = await resolveBuilds({ qemu: o.qemu.slice(0, 1), qemuSrc: [] }, progress);
  const plugin = devicePlugin(o.device);
  const dut = await Dut.start(build!, plugin, { traces: TRACES });
  await dut.resetDevice();
  const server = await serveInspector(new InspectSession(dut), { title: `${plugin.name} on QEMU ${build!.label}`, ...(o.port !== undefined ? { port: o.port } : {}) });
  process.stdout.write(`inspector for ${plugin.name} on QEMU ${build!.label}: open ${server.url}\n(only on this machine; Ctrl-C stops it)\n`);
  await new Promise<never>(() => undefined);
  return 0;
}
