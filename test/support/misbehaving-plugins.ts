/**
 * Device plugins that misbehave on purpose, to see cases fail. A module of
 * its own (no test framework calls), so that the run inside the box can
 * load them by module and export, as it loads suites.
 */
import type { DeviceDriver, DeviceHandle, DevicePlugin } from '../../harness/devices/device-plugin.js';
import { e1000e } from '../../harness/devices/e1000e.js';

/** e1000e with its driver's fire replaced, loadable in the box from this module. */
const mutant = (name: string, fire: (real: DeviceDriver, dev: DeviceHandle, v: number) => Promise<void>): DevicePlugin => ({
  ...e1000e,
  name,
  module: import.meta.url,
  attach: (dev) => {
    const real = e1000e.attach(dev);
    return { ...real, fire: (v) => fire(real, dev, v) };
  },
});

/** No message at all. */
export const silent = mutant('e1000e-silent', async () => undefined);
/** Two messages for one fire. */
export const twice = mutant('e1000e-twice', async (real, _dev, v) => {
  await real.fire(v);
  await real.fire(v);
});
