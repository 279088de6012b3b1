/**
 * The box's hardware facts, apart from the box itself, so the run inside
 * the box can name its device without loading what boots a box.
 */

/**
 * The MSI-X device the box gets, as its device plugin describes it (the box
 * knows no device itself): the outer QEMU's -device value, the Debian build
 * that models it (a named build, never the machine's own QEMU, so the box's
 * hardware is the same on every machine), and the Linux driver that takes
 * it inside when it is left on its own driver.
 */
export interface BoxHardware {
  /** For messages: the plugin's name. */
  readonly name: string;
  /** The outer QEMU's -device value; the box adds nothing but its slot (addr). */
  readonly device: string;
  /** debian:<suite> */
  readonly outerQemu: string;
  /** The Linux driver module of the device (its modules go into the initramfs). */
  readonly linuxDriver: string;
}
/** The device's slot in the box, so its BDF there is always this. */
export const BOX_DEVICE_BDF = '0000:00:03.0';
export const BOX_DEVICE_SLOT = '03.0';
