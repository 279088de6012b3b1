/**
 * The box's device as a vfio run uses it, from both sides: outside, what
 * the box is booted with for a device plugin (a VF plugin's box device is
 * its PF, left on its own driver so that a VF can be made); inside, that
 * device (or the VF made on it) opened as the host device under test.
 */
import { BOX_DEVICE_BDF, type BoxHardware } from '../box/box-hardware.js';
import type { BoxOptions } from '../box/box.js';
import { deviceValue } from '../devices/device-line.js';
import type { DevicePlugin } from '../devices/device-plugin.js';
import { boxDevicePlugins, devicePlugin } from '../devices/index.js';
import { EnvironmentError } from '../errors.js';
import { createVf } from '../host/sriov-vf.js';
import { hostDeviceLine, openHostDeviceUnderTest, type HostDeviceUnderTest } from './host-device-under-test.js';

/** The box hardware that models `plugin`'s device, from the plugin's box facts (a VF's: its PF's). */
export function boxHardwareFor(plugin: DevicePlugin): BoxHardware {
  const modelled = plugin.sriovPf ? devicePlugin(plugin.sriovPf) : plugin;
  if (!modelled.box) throw new EnvironmentError(`${plugin.name} is not a box device`, `use one of ${boxDevicePlugins.map((p) => p.name).join(', ')}`);
  return { name: modelled.name, device: deviceValue(modelled), outerQemu: modelled.box.outerQemu, linuxDriver: modelled.box.linuxDriver };
}

/** The box options that give a run `plugin`'s device (a VF's PF stays on its Linux driver, which makes the VF). */
export function boxDeviceFor(plugin: DevicePlugin): Pick<BoxOptions, 'device' | 'hostDriver'> {
  return { device: boxHardwareFor(plugin), ...(plugin.sriovPf ? { hostDriver: true } : {}) };
}

/** The box hardware for a box device named on the command line. */
export function boxHardwareNamed(name: string): BoxHardware {
  const plugin = boxDevicePlugins.find((p) => p.name === name && p.box);
  if (!plugin) throw new EnvironmentError(`unknown box device "${name}"`, `use --device ${boxDevicePlugins.filter((p) => p.box).map((p) => p.name).join(' or --device ')}`);
  return boxHardwareFor(plugin);
}

export interface BoxDeviceUnderTest {
  readonly dut: HostDeviceUnderTest;
  /** Put the device back and remove a VF made for it (synchronous: also for exit handlers). */
  release(): void;
}

/** Inside the box: the device under test for the plugin named `device`, on vfio-pci. */
export async function openBoxDeviceUnderTest(plugin: DevicePlugin, progress: (m: string) => void): Promise<BoxDeviceUnderTest> {
  const vf = plugin.sriovPf ? await createVf(BOX_DEVICE_BDF) : undefined;
  if (vf) progress(`SR-IOV: VF ${vf.vf} made on ${vf.pf}`);
  const dut = await openHostDeviceUnderTest(vf?.vf ?? BOX_DEVICE_BDF, { progress }, plugin).catch((e: unknown) => {
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
