/**
 * Evidence labels that identify known QEMU bugs, shared by the cases that
 * record them and the registry that recognises them (known-bugs.ts): a
 * label reworded in a case is reworded for the registry too. A case records
 * one of these with `SYMPTOMS.x` rather than a string of its own.
 */
export const SYMPTOMS = {
  /** vfio-guest-flr: what the guest reads of MSI-X Enable after its FLR. */
  guestEnableAfterFlr: 'guest Enable after FLR',
  /** C14: the physical device's MSI-X Enable after a disable with no vector ever unmasked. */
  physicalEnableAfterDisable: 'physical MSI-X Enable after disable',
  /** e1000e-delayed-causes: whether QEMU survives a held cause meeting a new one after MSI-X enable. */
  qemuAfterEnableAndNewCause: 'QEMU after MSI-X enable and a new cause',
  /** e1000e-eitr-resend: messages counted for one cause, once the clock ran past every moderation timer. */
  messagesForOneCause: 'messages for one cause, with the clock run',
  /** virtio-msix-past-maximum: the MSI-X table a device built when asked for one more vector than PCI allows (0: none). */
  qemuAfterUnplug: 'QEMU after the hot-unplug',
  /** Lifecycle: whether a live vector's mailbox slot was written after an unplug, reset or re-plug cleared the device (it must not be). */
  slotWrittenSince: "a live vector's slot written since",
  qemuAfterVectorBeyondTable: "QEMU after the device's work named a vector past the table",
  deviceDeletedEvent: 'QMP DEVICE_DELETED for the unplugged device',
  msixKeptForQueues: 'MSI-X table present with the queue count asked',
  tableSizeAsAsked: 'MSI-X table size as its property asked (0: no MSI-X)',
  tableSizePastMaximum: 'MSI-X table size asked one past the PCI maximum (2049)',
  /** SR-IOV: what NumVFs reads after the guest cleared VF Enable (the value it wrote). */
  numVfsAfterVfDisable: 'NumVFs after VF Enable cleared',
  /** SR-IOV: every entry of every VF's MSI-X table, read back after each was written. */
  vfTablesReadBack: "each VF's MSI-X entries read back as written",
  /** SR-IOV: the SR-IOV Control register after a reset of the PF (VF Enable, VF MSE as set before it). */
  sriovControlAfterPfReset: 'SR-IOV Control after the PF reset',
  /** SR-IOV: the VFs that still answer after a reset of their PF. */
  vfsAfterPfReset: 'VFs answering after the PF reset',
  /** SR-IOV: whether at most TotalVFs VFs answer after a step of the guest's SR-IOV programming. */
  vfsWithinTotal: 'VFs answering within TotalVFs',
  /** SR-IOV: QEMU after a step of the guest's SR-IOV programming, in or out of specification. */
  qemuAfterSriovStep: 'QEMU after the SR-IOV step',
  /** Interrupt remapping: whether a request naming an absent entry was recorded in a fault recording register. */
  irFaultRecorded: 'interrupt remapping fault recorded for an absent entry',
  /** Interrupt remapping: whether a compatibility-format message reached a local APIC while GSTS.CFIS is 0 (it must be blocked). */
  compatibilityFormatDelivered: 'compatibility-format message delivered with CFIS 0',
  /** The IOMMU's invalidation wait descriptor with both Status Write and Interrupt Flag: QEMU after it. */
  qemuAfterWaitWithInterrupt: 'QEMU after an invalidation wait with Status Write and Interrupt Flag',
  /** Interrupt remapping: QEMU after the guest wrote patterns to every IOMMU register. */
  qemuAfterIommuWrites: 'QEMU after writes to every IOMMU register',
} as const;

export type SymptomLabel = (typeof SYMPTOMS)[keyof typeof SYMPTOMS];
