/**
 * Rocker switch (QEMU rocker, 1b36:0006): with no front-panel ports, 4
 * MSI-X vectors (command, event, test, reserved) in BAR1, table at 0 and
 * PBA at 0x1000; no MSI, no INTx use. The device has a test register made for
 * this: a write of N to TEST_IRQ (BAR0 + 0x20) notifies vector N, with no
 * cause kept, so every fire is one message and reset has nothing to quiet.
 */
import type { DeviceDriver, DeviceHandle, DevicePlugin } from './device-plugin.js';

const TEST_IRQ = 0x20;

function attach(dev: DeviceHandle): DeviceDriver {
  return {
    async reset() {},
    async fire(vector) {
      await dev.fn.bar(0).writel(TEST_IRQ, vector);
    },
  };
}

export const rocker: DevicePlugin = {
  name: 'rocker',
  driver: 'rocker',
  pciIds: [[0x1b36, 0x0006]],
  interruptModes: ['msix'],
  msixVectors: 4,
  msixTableBar: 1,
  // Its vmstate is unmigratable.
  migratable: false,
  freeBar: 2,
  deviceProps: 'romfile=',
  box: { outerQemu: 'debian:bookworm', why: 'the box hardware stays the same on every machine', linuxDriver: 'rocker' },
  attach,
};
