/**
 * The box's device as a vfio run uses it, from both sides: outside, what
 * the box is booted with for a device plugin (a VF plugin's box device is
 * its PF, left on its own driver so that a VF can be made); inside, that
 * device (or the VF made on it) opened as the host device under test.
 */
import { BOX_DEVICE_BDF, type BoxOptions } from '../box/box.js';
import type { DevicePlugin } from '../devices/device-plugin.js';
import { devicePlugin } from '../devices/index.js';
import { createVf } from '../host/sriov-vf.js';
import { hostDeviceLine, openHostDeviceUnderTest, type HostDeviceUnderTest } from './run-plan.js';

/** The box options that give a run `plugin`'s device. */
export function boxDeviceFor(plugin: DevicePlugin): Pick<BoxOptions, 'device' | 'hostDriver' | 'deviceProps'> {
  const pf = plugin.sriovPf;
  return { device: pf ?? plugin.name, ...(pf ? { hostDriver: true } : {}), ...(plugin.deviceProps ? { deviceProps: plugin.deviceProps } : {}) };
}

export interface BoxDeviceUnderTest {
  readonly dut: HostDeviceUnderTest;
  /** Put the device back and remove a VF made for it (synchronous: also for exit handlers). */
  release(): void;
}

/** Inside the box: the device under test for the plugin named `device`, on vfio-pci. */
export async function openBoxDeviceUnderTest(device: string, progress: (m: string) => void): Promise<BoxDeviceUnderTest> {
  const vf = devicePlugin(device).sriovPf ? await createVf(BOX_DEVICE_BDF) : undefined;
  if (vf) progress(`SR-IOV: VF ${vf.vf} made on ${vf.pf}`);
  const dut = await openHostDeviceUnderTest(vf?.vf ?? BOX_DEVICE_BDF, { progress }).catch((e: unknown) => {
    vf?.remove();
    throw e;
  });
  progress(hostDeviceLine(dut));
  return {
    dut,
    release() {
      dut.host.binding.restoreNow();
      vf?.remove();
    },
  };
}
