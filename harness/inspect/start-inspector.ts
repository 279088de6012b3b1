/**
 * One device under test with its inspector page: an emulated device, or a
 * host device passed through with vfio-pci (then the page shows the host's
 * side too). Used by `inspect` here and by the inspector inside the box.
 */
import type { QemuBuild } from '../builds/qemu-build.js';
import type { DevicePlugin } from '../devices/device-plugin.js';
import { EnvironmentError } from '../errors.js';
import { Dut } from '../case/dut.js';
import { HostView } from '../case/host-view.js';
import type { HostDeviceUnderTest } from '../runner/host-device-under-test.js';
import { serveInspector } from './inspect-server.js';
import { InspectSession } from './inspect-session.js';

/** Trace events about MSI-X from QEMU's core and every device's model (e1000e_irq_msix_notify_vec, vfio_msix_...). */
const TRACES = ['*msix*'];
/** And for vfio, each interrupt the host signals to QEMU (its eventfd). */
const VFIO_TRACES = ['vfio_msi_interrupt*'];

/** An emulated device, or a host device passed through (driven by the plugin that knows it). */
export type InspectTarget = { readonly build: QemuBuild } & ({ readonly plugin: DevicePlugin; readonly hostDevice?: never } | { readonly hostDevice: HostDeviceUnderTest; readonly plugin?: never });

export interface Inspector {
  readonly url: string;
  /** "e1000e on QEMU 11.1.3", "e1000e 0000:00:03.0 (vfio-pci) on QEMU ..." */
  readonly title: string;
  /** The line that tells the user where the page is. */
  readonly announcement: string;
  close(): Promise<void>;
}

export async function startInspector(t: InspectTarget, o: { port?: number; address?: string } = {}): Promise<Inspector> {
  const host = t.hostDevice;
  const plugin = t.hostDevice ? t.hostDevice.plugin : t.plugin;
  if (!host && plugin.sriovPf) throw new EnvironmentError(`the ${plugin.name} is an SR-IOV VF: QEMU makes it only through its PF`, `inspect it passed through: --box --device ${plugin.name}`);
  const dut = await Dut.start(t.build, plugin, { traces: host ? [...TRACES, ...VFIO_TRACES] : TRACES, ...(host ? { hostDevice: { bdf: host.host.bdf } } : {}) });
  try {
    await dut.resetDevice();
    const title = `${plugin.name}${host ? ` ${host.host.bdf} (vfio-pci, host kernel ${host.host.kernel})` : ''} on QEMU ${t.build.label}`;
    const server = await serveInspector(new InspectSession(dut, host ? new HostView(host.host) : undefined), { title, ...o });
    return {
      url: server.url,
      title,
      announcement: `inspector for ${title}: open ${server.url}`,
      close: async () => {
        await server.close();
        await dut.shutdown();
      },
    };
  } catch (e) {
    await dut.shutdown();
    throw e;
  }
}
