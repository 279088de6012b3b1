/**
 * Behaviour catalog ids (docs/msix-behaviour-catalog.md): each
 * case names the ids it pins, so a report can be read against the catalog.
 */
export const CATALOG = {
  C1: 'host MSI-X enable tracks guest (enable with every vector masked)',
  C2: 'guest mask keeps the host vector; interrupt goes through QEMU',
  C3: 'vector expansion gives masked vectors the userspace fd',
  C4: 'guest disable releases every vector',
  C5: 'the enable-time dummy never gets a KVM route',
  C6: 'lazy PBA: emulated PBA used only while something is pending',
  C7: "the guest's table writes never reach the physical table",
  C8: 'x-msix-relocation moves table/PBA to another BAR',
  C10: 'batched routing; dummy index was the highest unmasked vector in 6.0-7.0',
  C12: 'enable with an invalid fd instead of the dummy; per-vector allocation',
  C13: 'kernel dynamic MSI-X (Linux 6.5)',
  C14: 'disable with no vector ever unmasked broke INTx (8.2.0-8.2.1)',
  C15: 'generic rules of hw/pci/msix.c',
  C16: 'restore after migration re-enables only unmasked vectors',
  C17: 'one cause, one message: moderation timers delay a message, never repeat it',
  C18: "a device's life with vectors live: hot-unplug and plug back, Secondary Bus Reset, FLR",
  C19: 'properties that size the MSI-X table or the queues: built as asked, or refused',
  C20: "a vector past the table named by the device's own work: refused, never an abort",
  C21: 'SR-IOV: VFs exist exactly while VF Enable is set, NumVFs is the guest\'s, out-of-specification programming never takes QEMU down',
  C22: "SR-IOV: each VF's own MSI-X table in its aperture, below and above 4 GiB, one message per fire",
  C24: "the device's own work with no vector (VIRTIO_MSI_NO_VECTOR) or a queue torn down with its vector live: no message, nothing pending, QEMU up",
  C26: "the device's own interrupt sources enabled before MSI-X Enable (xhci: IMAN.IE): once MSI-X is on, each source's work sends one message",
  C25: 'interrupt remapping in front of the device: remapped once, absent entries fault and deliver nothing, compatibility format blocked with CFIS 0, the IOMMU survives any register write',
  C23: "SR-IOV: a PF reset resets the SR-IOV capability and takes the VFs away; VFs made again start in MSI-X's reset state",
} as const;

export type CatalogId = keyof typeof CATALOG;
