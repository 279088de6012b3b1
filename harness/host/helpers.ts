/**
 * The Python helpers the host view runs (ioctls and BAR reads Node cannot
 * do): copied next to this module at build time, so an installed package
 * finds them the same way as a checkout.
 */
import { fileURLToPath } from 'node:url';

export const HELPERS = {
  /** Reads a BAR range through sysfs resourceN (the physical MSI-X table). */
  readBar: fileURLToPath(new URL('./read-bar.py', import.meta.url)),
  /** VFIO_DEVICE_GET_IRQ_INFO for MSI-X (the NORESIZE flag). */
  vfioIrqInfo: fileURLToPath(new URL('./vfio-irq-info.py', import.meta.url)),
} as const;
