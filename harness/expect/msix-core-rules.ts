/** What hw/pci/msix.c prints, for cases that look for it (catalog C15). */

/** The text QEMU logs for an ignored PBA write (the trait pbaWriteLogged says which builds do). */
export const PBA_WRITE_LOG = /attempt to write to MSI-X PBA at 0x[0-9a-f]+, ignoring/;
