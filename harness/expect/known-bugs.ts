/**
 * Known QEMU bugs as data, in the spirit of LTP's tags: what each broke, the
 * commits that brought and fixed it, the releases that had it, and the
 * symptom that identifies it in a case's evidence. Cases assert the correct
 * behaviour; this registry only turns a matching failure on a build without
 * the fix into a known failure (xfail) with a hint, and a pass on a build
 * listed as affected into an unexpected pass (xpass).
 */
import { isDeepStrictEqual } from 'node:util';
import { refersTo, type CaseId, type CaseRef } from '../case-id.js';
import { SYMPTOMS, type SymptomLabel } from './symptoms.js';
import { compareVersions } from './qemu-version.js';

/** What the matcher reads of a case's evidence. */
export interface SeenObservation {
  readonly label: string;
  readonly observed: unknown;
  readonly ok: boolean;
}

export interface KnownBug {
  readonly id: string;
  readonly title: string;
  /** The cases (suite and slug, on any device) whose failure it explains. */
  readonly cases: readonly CaseRef[];
  readonly introducedBy?: string;
  /** The first release that had it (x.y.0 of the series the introducing commit went into): older releases are not affected. */
  readonly introducedIn?: string;
  /** The commit that fixed it; absent while no QEMU has a fix (an open bug: every build lacks it, so a pass is an xpass), or while the fix is seen in a release (fixedIn) but its commit is not yet identified. */
  readonly fixedBy?: string;
  /** Releases that have the bug (x.y.z as QEMU reports them); for an open bug, those it was seen on. */
  readonly affected: readonly string[];
  /** The first fixed release of each series that got the fix (none for an open bug). */
  readonly fixedIn: readonly string[];
  /** The evidence that identifies it: an observation with this label and this observed value (or text matching it). */
  readonly symptom?: { readonly label: SymptomLabel; readonly observed: unknown };
}

/** Point releases x.y.from .. x.y.to, for the affected lists. */
const releases = (series: string, from: number, to: number) => Array.from({ length: to - from + 1 }, (_, i) => `${series}.${from + i}`);

export const KNOWN_BUGS: readonly KnownBug[] = [
  {
    id: 'vfio-guest-flr',
    title: "vfio-pci passes a guest's Function Level Reset to the host kernel without resetting its own MSI-X state: the guest still reads Enable set and its old unmasked entries, and the kernel restores the physical device to MSI-X mode with the vectors it had",
    cases: [{ suite: 'vfio', slug: 'flr-live-vectors' }],
    // Since vfio-pci exists: hw/vfio/pci.c never traps Initiate FLR (the kernel's vfio_exp_config_write does pci_try_reset_function, which saves and restores MSI-X).
    introducedBy: '65501a745d',
    affected: ['7.2.22', '11.1.3'],
    fixedIn: [],
    symptom: { label: SYMPTOMS.guestEnableAfterFlr, observed: true },
  },
  {
    id: 'e1000e-eitr-resend',
    title: "e1000e's EITR throttling timer sends the vector's message again when it expires, whether or not a cause was held back: one cause, two messages once virtual time runs",
    cases: [
      { suite: 'emulated', slug: 'one-message-per-cause', device: 'e1000e' },
      { suite: 'emulated', slug: 'unmasked-delivers-once', device: 'e1000e' },
      // Its TX queue's work, counted per vector.
      { suite: 'emulated', slug: 'queue-work-signals-its-vector', device: 'e1000e' },
      // The device's life: after a re-plug or a bus reset the first fire is counted too.
      { suite: 'emulated', slug: 'hot-unplug-with-vectors-live', device: 'e1000e' },
      { suite: 'emulated', slug: 'unplug-replug-twice', device: 'e1000e' },
      { suite: 'emulated', slug: 'secondary-bus-reset-with-vectors-live', device: 'e1000e' },
      { suite: 'emulated', slug: 'flr-with-vectors-live', device: 'e1000e' },
      // Behind interrupt remapping the second message is counted at the APIC.
      { suite: 'emulated', slug: 'remapped-delivers-once', device: 'e1000e' },
      { suite: 'emulated', slug: 'absent-entry-faults', device: 'e1000e' },
      { suite: 'emulated', slug: 'iommu-register-writes-survive', device: 'e1000e' },
      { suite: 'emulated', slug: 'amd-iommu-remapped-delivers-once', device: 'e1000e' },
      { suite: 'emulated', slug: 'amd-iommu-disabled-entry-aborts', device: 'e1000e' },
      { suite: 'emulated', slug: 'every-completion-signals-once', device: 'e1000e' },
    ],
    // "e1000e: Remove pending interrupt flags" (8.0). A fix was posted upstream in 2025 ("net/e1000e|igb: Only send
    // delayed msix interrupts that have a cause") and is in no release here: open.
    introducedBy: '31e3f318c8',
    introducedIn: '8.0.0',
    // Counted here: 10.0.2 and 11.1.3 (Debian's binaries), 10.0.13 (trixie's source built); 7.2.22 sends one.
    affected: ['10.0.2', '10.0.13', '11.1.3'],
    fixedIn: [],
    symptom: { label: SYMPTOMS.messagesForOneCause, observed: 2 },
  },
  {
    id: 'rocker-unplug-abort',
    title: "hot-unplugging a rocker aborts QEMU: rocker_msix_uninit() releases its vectors after msix_uninit() emptied the table, and msix_vector_unuse() asserts the vector is in range",
    cases: [
      { suite: 'emulated', slug: 'hot-unplug-with-vectors-live', device: 'rocker' },
      { suite: 'emulated', slug: 'unplug-replug-twice', device: 'rocker' },
    ],
    // The order is rocker's own since dc488f8880 (2.3); 15377f6e79 "msix: Assert that specified vector is in range"
    // (7.2.0) turned the quiet return into the abort. A fix was posted in 2025 ("hw/net/rocker: fix assertion error
    // while hotunplugging", swapping the two calls) and is in no release: open. 5.2.0 unplugs cleanly.
    introducedBy: '15377f6e79',
    introducedIn: '7.2.0',
    affected: ['7.2.22', '10.0.2', '10.0.13', '11.1.3'],
    fixedIn: [],
    symptom: { label: SYMPTOMS.qemuAfterUnplug, observed: /SIGABRT.*msix_vector_unuse: Assertion/ },
  },
  {
    id: 'xhci-unplug-no-device-deleted',
    title: "a hot-unplugged xhci controller (qemu-xhci, nec-usb-xhci) is never finalized, so QEMU never reports DEVICE_DELETED: its embedded xhci-core keeps a strong \"host\" link back to it",
    cases: [
      { suite: 'emulated', slug: 'hot-unplug-with-vectors-live', devices: /^(qemu|nec-usb)-xhci$/ },
      { suite: 'emulated', slug: 'unplug-replug-twice', devices: /^(qemu|nec-usb)-xhci$/ },
    ],
    // The PCI wrapper split 8ddab8dd3d (5.2.0) set the link and never cleared it. Fixed by "hw/usb/hcd-xhci-pci:
    // break host link cycle so device_finalize() runs on unplug" (11.1.0; in stable 10.0.12 per its changelog).
    // Seen here: no event on 5.2.0, 7.2.22, 10.0.2; the event on 10.0.13 and 11.1.3.
    introducedBy: '8ddab8dd3d',
    introducedIn: '5.2.0',
    fixedBy: '054ef33f67',
    affected: ['5.2.0', '7.2.22', ...releases('10.0', 0, 11)],
    fixedIn: ['10.0.12', '11.1.0'],
    symptom: { label: SYMPTOMS.deviceDeletedEvent, observed: false },
  },
  {
    id: 'xhci-nec-properties-ignored',
    title: "nec-usb-xhci's intrs property never sizes its MSI-X table: the table has 16 entries whatever was asked (0, 1, 2048), because the property is copied into the controller at instance init, before -device sets it",
    // A device of the census, not of a plugin.
    cases: [{ suite: 'emulated', slug: 'sizing-properties-at-edges', devices: /^nec-usb-xhci$/ }],
    // 172bc8520d "xhci: fix nec-usb-xhci properties" (5.2.0) moved the copy to nec_xhci_instance_init (after the
    // wrapper split 8ddab8dd3d had lost the defaults); upstream's hcd-xhci-nec.c still copies there: open. Values past
    // 16 were clamped silently before that too (91062ae00f, 1.3.0), which the same observation shows.
    introducedBy: '172bc8520d',
    introducedIn: '5.2.0',
    affected: ['5.2.0', '7.2.22', '10.0.2', '10.0.13', '11.1.3'],
    fixedIn: [],
    symptom: { label: SYMPTOMS.tableSizeAsAsked, observed: 16 },
  },
  {
    id: 'virtio-msix-past-maximum',
    title: 'a virtio-pci device asked for more MSI-X vectors than PCI allows (vectors=2049) starts without MSI-X, with only a warning ("unable to init msix vectors"), instead of refusing the property',
    cases: [{ suite: 'emulated', slug: 'sizing-properties-at-edges', devices: /^virtio-/ }],
    // "qemu/virtio: MSI-X support in virtio PCI" (0.11.0) fell back to no MSI-X when msix_init failed, silently;
    // c7ff54825b (2.1.0) added the message, 0765691e97 (3.1.0) made it a warning. Upstream's 2025 uint32_t change
    // for gitlab #2631 keeps the fallback for 2049 and beyond: open.
    introducedBy: 'aba800a3ff',
    introducedIn: '0.11.0',
    affected: ['5.2.0', '7.2.22', '10.0.2', '10.0.13', '11.1.3'],
    fixedIn: [],
    symptom: { label: SYMPTOMS.tableSizePastMaximum, observed: 0 },
  },
  {
    id: 'sriov-numvfs-cleared',
    title: "clearing VF Enable also clears NumVFs, a register the SR-IOV specification leaves to software: the guest reads 0 where it wrote the VF count",
    cases: [{ suite: 'emulated', slug: 'vfs-follow-vf-enable' }],
    // Since QEMU's SR-IOV (7c0fa8dff8, 7.0.0: unregister_vfs() zeroed it); "pcie_sriov: Do not reset NumVFs after
    // disabling VFs" (9.0.0), not sent to stable. Seen on 7.2.22 (nvme, the only SR-IOV PF there).
    introducedBy: '7c0fa8dff811',
    introducedIn: '7.0.0',
    fixedBy: '63eb76dda237',
    affected: ['7.2.22'],
    fixedIn: ['9.0.0'],
    symptom: { label: SYMPTOMS.numVfsAfterVfDisable, observed: 0 },
  },
  {
    id: 'sriov-pf-reset-keeps-capability',
    title: "a PF reset (FLR, system_reset) takes the VFs away but leaves the SR-IOV capability as the guest wrote it: VF Enable and VF MSE still read set and the VF BARs keep their addresses, so the guest sees VFs enabled that do not exist",
    cases: [
      { suite: 'emulated', slug: 'pf-flr-with-vfs-live' },
      { suite: 'emulated', slug: 'system-reset-with-vfs-live' },
    ],
    // 7.0.0's SR-IOV never reset the capability (nvme's reset only disabled its VFs behind it); "pcie_sriov: Reset
    // SR-IOV extended capability" with 1a909e3dd8 "hw/pci: Always call pcie_sriov_pf_reset()" (9.0.0), not sent
    // to stable. Seen on 7.2.22.
    introducedBy: '7c0fa8dff811',
    introducedIn: '7.0.0',
    fixedBy: 'c8bc4db403e1',
    affected: ['7.2.22'],
    fixedIn: ['9.0.0'],
    symptom: { label: SYMPTOMS.sriovControlAfterPfReset, observed: 9 },
  },
  {
    id: 'sriov-vf-bar-upper-half-ignored',
    title: "a VF's 64-bit BAR is mapped from the low dword of the PF's VF BAR only: VF BARs placed above 4 GiB map where nothing reaches them, so the VF's registers and MSI-X table read 0 and it never interrupts",
    cases: [{ suite: 'emulated', slug: 'vf-msix-above-4g' }],
    // "pcie_sriov: Reuse SR-IOV VF device instances" (10.0.0) realized the VFs before the PF's VF BAR types were
    // recorded, so they registered 32-bit BARs; "pcie_sriov: Fix broken MMIO accesses from SR-IOV VFs" (10.2.0,
    // stable 10.0.6). Seen on 10.0.2 (igb and nvme VFs); 10.0.13 and 11.1.3 have the fix.
    introducedBy: 'cab1398a60eb',
    introducedIn: '10.0.0',
    fixedBy: '2e54e5fda779',
    affected: releases('10.0', 0, 5),
    fixedIn: ['10.0.6', '10.2.0'],
    symptom: { label: SYMPTOMS.vfTablesReadBack, observed: false },
  },
  {
    id: 'nvme-sriov-unplug-abort',
    title: "hot-unplugging an SR-IOV nvme PF aborts QEMU: nvme_exit() unregisters the PF from its subsystem while its VFs are still registered there, and nvme_subsys_unreserve_cntlids() asserts each secondary controller's slot is only reserved",
    cases: [{ suite: 'emulated', slug: 'pf-unplug-with-vfs-live', device: 'nvme' }],
    // 1a909e3dd8 "hw/pci: Always call pcie_sriov_pf_reset()" (9.0.0) took the VF teardown out of nvme's own reset,
    // which nvme_exit() ran first; cab1398a60 (10.0.0) keeps every VF alive until pcie_sriov_pf_exit(), after the
    // PF has gone. 7.2.22 unplugs cleanly; 10.0.2 and 10.0.13 abort; 11.1.3 does not. Upstream master of Feb 2026
    // (10.2.50) still had the order, so the fix came after it; its commit is not yet identified.
    introducedBy: '1a909e3dd85d',
    introducedIn: '9.0.0',
    affected: ['10.0.2', '10.0.13'],
    fixedIn: ['11.1.3'],
    symptom: { label: SYMPTOMS.qemuAfterUnplug, observed: /SIGABRT.*nvme_subsys_unreserve_cntlids: Assertion/ },
  },
  {
    id: 'vtd-ir-faults-not-recorded',
    title: "intel-iommu drops a remappable interrupt that names an absent (or otherwise invalid) remapping table entry without recording a fault: no fault recording register, no PPF, no fault event interrupt, so the guest's IOMMU driver never learns of it",
    cases: [{ suite: 'emulated', slug: 'absent-entry-faults' }],
    // Interrupt remapping came without fault reporting (651e4cefee "intel_iommu: Add support for PCI MSI remap",
    // 2.7.0); "intel-iommu: Report interrupt remapping faults, fix return value" (8.2.0), not in 7.2.x stable.
    introducedBy: '651e4cefee',
    introducedIn: '2.7.0',
    fixedBy: 'c7016bf700',
    affected: ['5.2.0', '7.2.22'],
    fixedIn: ['8.2.0'],
    symptom: { label: SYMPTOMS.irFaultRecorded, observed: false },
  },
  {
    id: 'vtd-compatibility-format-not-blocked',
    title: "intel-iommu with interrupt remapping on passes compatibility-format interrupts through even while Compatibility Format Interrupts are off (GSTS.CFIS 0, as Linux leaves it): the VT-d specification blocks them, and a device can reach any local APIC vector around the remapping table",
    cases: [{ suite: 'emulated', slug: 'compatibility-format-blocked' }],
    // Since interrupt remapping (651e4cefee, 2.7.0): vtd_interrupt_remap_msi() copies a compatibility-format message
    // through, and GCMD.CFI is not implemented. Upstream's intel_iommu.c still does (10.0.13, 11.1.3): open.
    introducedBy: '651e4cefee',
    introducedIn: '2.7.0',
    affected: ['5.2.0', '7.2.22', '10.0.2', '10.0.13', '11.1.3'],
    fixedIn: [],
    symptom: { label: SYMPTOMS.compatibilityFormatDelivered, observed: true },
  },
  {
    id: 'vtd-wait-sw-and-if-abort',
    title: "intel-iommu aborts QEMU on an invalidation wait descriptor that asks for both a Status Write and an Interrupt Flag (as FreeBSD's driver does, and the VT-d specification allows): vtd_process_wait_desc() asserts the two never come together",
    cases: [{ suite: 'emulated', slug: 'iommu-completion-event-counted' }],
    // Since queued invalidation (ed7b8fbcfb, 2.2.0); "intel_iommu: Allow both Status Write and Interrupt Flag in
    // QI wait" (10.1.0; stable 10.0.4 per Debian's changelog). Seen: 7.2.22 and 10.0.2 abort, 10.0.13 and 11.1.3 do not.
    introducedBy: 'ed7b8fbcfb',
    introducedIn: '2.2.0',
    fixedBy: 'e8145dcd31',
    affected: ['5.2.0', '7.2.22', ...releases('10.0', 0, 3)],
    fixedIn: ['10.0.4', '10.1.0'],
    symptom: { label: SYMPTOMS.qemuAfterWaitWithInterrupt, observed: /SIGABRT.*vtd_process_wait_desc: Assertion/ },
  },
  {
    id: 'vmxnet3-bad-interrupt-index-abort',
    title: "vmxnet3 aborts QEMU (hw_error \"Bad interrupt index\") when a guest activates it with an event or queue interrupt index past its 25 MSI-X vectors, instead of refusing the activation",
    cases: [{ suite: 'emulated', slug: 'vector-beyond-table-refused', device: 'vmxnet3' }],
    // 8c6c047899 "vmxnet3: validate interrupt indices coming from guest" (2.0.0) validated them with hw_error().
    // "hw/net/vmxnet3: Do not abort if guest provides bad interrupt numbers" (gitlab #539) turns it into a refusal:
    // in the stable releases 10.0.13 and 11.1.1 (Debian's changelogs); its upstream commit came after the Feb 2026
    // master this project reads, so it is not identified yet. Seen here: abort on 5.2.0, 7.2.22, 10.0.2.
    introducedBy: '8c6c047899',
    introducedIn: '2.0.0',
    affected: ['5.2.0', '7.2.22', '10.0.2'],
    fixedIn: ['10.0.13', '11.1.1'],
    symptom: { label: SYMPTOMS.qemuAfterVectorBeyondTable, observed: /Bad interrupt index/ },
  },
  {
    id: 'sriov-vf-enable-numvfs-zero-abort',
    title: "an SR-IOV PF aborts QEMU when the guest sets VF Enable with NumVFs 0: register_vfs() asserts that g_new() of zero VFs returned memory, which it does not",
    cases: [{ suite: 'emulated', slug: 'sriov-out-of-spec-survives' }],
    // Since SR-IOV emulation came, 7c0fa8dff8 "pcie: Add support for Single Root I/O Virtualization (SR/IOV)" (7.0.0);
    // 714a1415d7 "pcie_sriov: Remove g_new assertion" fixed it (8.2.0), backported to 7.2.8. Found by the release sweep:
    // v7.2.0 .. v7.2.7 abort.
    introducedBy: '7c0fa8dff8',
    introducedIn: '7.0.0',
    fixedBy: '714a1415d7',
    affected: releases('7.2', 0, 7),
    fixedIn: ['7.2.8', '8.2.0'],
    symptom: { label: SYMPTOMS.qemuAfterSriovStep, observed: /register_vfs: Assertion/ },
  },
  {
    id: 'sriov-numvfs-past-totalvfs',
    title: 'an SR-IOV PF makes as many VFs as the guest writes to NumVFs, also past TotalVFs: NumVFs TotalVFs + 1 and VF Enable give one VF more than the device offers',
    cases: [{ suite: 'emulated', slug: 'sriov-out-of-spec-survives' }],
    // Since 7c0fa8dff8 (7.0.0); 6081b4243c "pcie_sriov: Validate NumVFs" fixed it (9.0.0), backported to 7.2.11.
    // Found by the release sweep.
    introducedBy: '7c0fa8dff8',
    introducedIn: '7.0.0',
    fixedBy: '6081b4243c',
    affected: releases('7.2', 0, 10),
    fixedIn: ['7.2.11', '9.0.0'],
    symptom: { label: SYMPTOMS.vfsWithinTotal, observed: false },
  },
  {
    id: 'xhci-msix-on-deassert',
    title: "qemu-xhci sends an MSI-X message on interrupter 0 whenever it re-evaluates that interrupter's line, also when the level is low: a guest's IMAN write (re-enabling the interrupter) makes a spurious message, so one event can cost two",
    cases: [
      { suite: 'emulated', slug: 'unmasked-delivers-once', device: 'qemu-xhci' },
      { suite: 'emulated', slug: 'remapped-delivers-once', device: 'qemu-xhci' },
    ],
    // 4c4abe7cc9 "xhci: rework interrupt handling" (1.3.0) dropped the level check for MSI/MSI-X in
    // xhci_intr_raise; 3c6151cd11 "hw/usb: hcd-xhci-pci: Raise MSI/MSI-X interrupts only when told to" (6.1.0)
    // put it back. Seen here on 5.2.0: two messages for the first event on vector 0; 7.2.0 on sends one.
    introducedBy: '4c4abe7cc9',
    introducedIn: '1.3.0',
    fixedBy: '3c6151cd11',
    affected: ['5.2.0'],
    fixedIn: ['6.1.0'],
    symptom: { label: SYMPTOMS.messagesForOneCause, observed: 2 },
  },
  {
    id: 'xhci-iman-before-msix-enable',
    title: "qemu-xhci loses every MSI-X message of an interrupter whose IMAN.IE the guest set before MSI-X Enable: the vector is marked used only by an IMAN write made while MSI-X is on, so msix_notify() drops the event's message without a pending bit, and IMAN.IP is cleared as if it had been sent",
    cases: [{ suite: 'emulated', slug: 'sources-enabled-before-msix', device: 'qemu-xhci' }],
    // xhci_pci_intr_update() (hw/usb/hcd-xhci-pci.c) returns early while MSI-X is off, and nothing walks the
    // interrupters when the guest enables it later. Since MSI-X support came to xhci, 4c47f80063 "xhci: add msix
    // support" (1.3.0); upstream master of Feb 2026 is unchanged: open. Linux enables MSI-X first, so never sees it.
    introducedBy: '4c47f80063',
    introducedIn: '1.3.0',
    affected: ['5.2.0', '7.2.22', '10.0.2', '10.0.13', '11.1.3'],
    fixedIn: [],
    symptom: { label: SYMPTOMS.messagesForOneCause, observed: 0 },
  },
  {
    id: 'xhci-unplug-port-change-message',
    title: "a qemu-xhci hot-unplugged while running with a USB device on its bus sends an MSI-X message after the guest powered its slot off (ejected it): unrealizing the bus's devices first detaches them, and each detach posts a Port Status Change event to interrupter 0 (written to the guest's event ring) and signals its vector",
    cases: [
      { suite: 'emulated', slug: 'hot-unplug-with-vectors-live', device: 'qemu-xhci' },
      { suite: 'emulated', slug: 'unplug-replug-twice', device: 'qemu-xhci' },
    ],
    // device_set_realized(false) unrealizes child buses first: usb_device_detach -> xhci_detach -> xhci_port_update ->
    // xhci_port_notify posts the event while USBCMD.RS is still set. Signalled through MSI-X since 4c47f80063 "xhci: add
    // msix support" (1.3.0); upstream master of Feb 2026 is unchanged: open. A Linux guest halts the controller in its
    // remove path before ejecting, so only a guest that ejects a running controller meets it.
    introducedBy: '4c47f80063',
    introducedIn: '1.3.0',
    affected: ['5.2.0', '7.2.22', '11.1.3'],
    fixedIn: [],
    symptom: { label: SYMPTOMS.slotWrittenSince, observed: true },
  },
  {
    id: 'amdvi-reset-keeps-ga-mode',
    title: "amd-iommu's reset clears the control register the guest reads but not the guest virtual APIC mode it caches (ga_enabled): after a system_reset the IOMMU still reads 128-bit interrupt table entries while the register says legacy, so a driver's legacy entries deliver nothing",
    cases: [
      { suite: 'emulated', slug: 'amd-iommu-system-reset-clears-ga-mode' },
      // The register sweep leaves GAEn set before its reset.
      { suite: 'emulated', slug: 'amd-iommu-register-writes-survive' },
    ],
    // ga_enabled came with 135f866e60 "x86_iommu/amd: Add interrupt remap support when VAPIC is enabled" (3.1.0) and is
    // set only from control register writes; amdvi_init() (the reset) never clears it. Upstream master of Feb 2026
    // still does not: open. Seen on 10.0.2, 10.0.13 and 11.1.3.
    introducedBy: '135f866e60',
    introducedIn: '3.1.0',
    affected: ['5.2.0', '7.2.22', '10.0.2', '10.0.13', '11.1.3'],
    fixedIn: [],
    symptom: { label: SYMPTOMS.messagesForOneCause, observed: 0 },
  },
  {
    id: 'C14',
    title: 'disabling MSI-X with no vector ever unmasked left MSI-X on and INTx broken',
    cases: [{ suite: 'vfio', slug: 'disable-without-vectors' }],
    introducedBy: '5ebffa4e87',
    fixedBy: 'd2b668fca5',
    affected: ['8.2.0', '8.2.1'],
    fixedIn: ['8.2.2', '9.0.0'],
    symptom: { label: SYMPTOMS.physicalEnableAfterDisable, observed: true },
  },
  {
    id: 'e1000e-delayed-causes',
    title: 'e1000e aborted (delayed_causes assertion) when a cause held back by TIDV met a new cause after MSI-X enable (gitlab #1863)',
    cases: [{ suite: 'emulated', slug: 'held-cause-across-msix-enable', device: 'e1000e' }],
    fixedBy: '8e4649cac9',
    // 5.2.0: seen here on bullseye's build, the same assertion.
    affected: ['5.2.0', ...releases('7.2', 0, 19), ...releases('10.0', 0, 3)],
    fixedIn: ['7.2.20', '10.0.4', '10.2.0'],
    symptom: { label: SYMPTOMS.qemuAfterEnableAndNewCause, observed: /^killed by SIGABRT: .*e1000e_intmgr_collect_delayed_causes: Assertion/ },
  },
  {
    id: 'e1000e-throttle-timer-msix',
    title: 'e1000e aborted when a throttling timer armed before MSI-X enable (or disable) fired after it',
    // Seen first under KVM in the box, where the clock runs while the guest programs the device; the case now lets
    // the timers run under TCG too. (Where e1000e-delayed-causes is not fixed, its assertion comes first.)
    cases: [{ suite: 'emulated', slug: 'held-cause-across-msix-enable', device: 'e1000e' }],
    introducedBy: '6f3fbe4ed0',
    fixedBy: '0cbd6e5221',
    // Never backported to 7.2: the harness's e1000e plugin resets the device before an interrupt mode change because of it.
    affected: ['5.2.0', ...releases('7.2', 0, 22)],
    fixedIn: ['8.0.0'],
    symptom: { label: SYMPTOMS.qemuAfterEnableAndNewCause, observed: /^killed by SIGABRT: .*e1000e_intrmgr_on_throttling_timer: Assertion/ },
  },
  {
    id: 'msi-fewer-vectors-assert',
    title: 'QEMU asserted when the host granted fewer MSI vectors than the guest asked for',
    cases: [],
    fixedBy: 'c174088923',
    affected: releases('7.2', 0, 3),
    fixedIn: ['7.2.4'],
  },
  {
    id: 'poll-notifier-rollback',
    title: 'vfio MSI-X poll notifier not rolled back on failure',
    cases: [],
    fixedBy: '2d37fe9e5e',
    affected: releases('7.2', 0, 7),
    fixedIn: ['7.2.8'],
  },
  {
    id: 'pba-poll-range',
    title: 'msix_pba_read polled the wrong vector range (end calculation), so a PBA read could miss pending bits of polled vectors',
    cases: [],
    fixedBy: '42e2a7a0ab',
    affected: [...releases('7.2', 0, 15), '9.2.0'],
    fixedIn: ['7.2.16'],
  },
];

/** Whether a build has a bug's fix: from git for trees, the release lists for release versions, else unknown; a release older than the bug has nothing to fix. */
export type FixState = 'has-fix' | 'lacks-fix' | 'unknown' | 'not-affected';

export interface BuildFacts {
  /** x.y.z as QEMU reports it. */
  readonly version: string;
  /** Whether that is a release version (not x.y.50 master or an x.y.9z release candidate). */
  readonly release: boolean;
  /** For trees with history: whether the fix (or a cherry-pick of it) is there; undefined when git cannot tell. */
  readonly gitHasFix?: (bug: KnownBug) => boolean | undefined;
}

export function fixState(bug: KnownBug, b: BuildFacts): FixState {
  if (b.release && bug.introducedIn && compareVersions(b.version, bug.introducedIn) < 0 && !bug.affected.includes(b.version)) return 'not-affected';
  if (!bug.fixedBy && !bug.fixedIn.length) return 'lacks-fix';
  // A fix seen in a release whose commit is not yet identified: releases decide, git cannot.
  const git = bug.fixedBy ? b.gitHasFix?.(bug) : undefined;
  if (git !== undefined) return git ? 'has-fix' : 'lacks-fix';
  if (!b.release) return 'unknown';
  if (bug.affected.includes(b.version)) return 'lacks-fix';
  // A fixed point release fixes its series from there on; a fixed x.y.0 fixes every later release.
  const series = (v: string) => v.split('.').slice(0, 2).join('.');
  for (const f of bug.fixedIn) {
    if (compareVersions(b.version, f) >= 0 && (series(b.version) === series(f) || f.endsWith('.0'))) return 'has-fix';
  }
  // A stable series does not take a fix back: a release before one of its series that has the bug, or before its
  // series' first fixed release, lacks it too (v7.2.5, with 7.2.22 affected).
  const sameSeries = (v: string) => series(v) === series(b.version) && compareVersions(v, b.version) > 0;
  if (bug.affected.some(sameSeries) || bug.fixedIn.some(sameSeries)) return 'lacks-fix';
  return 'unknown';
}

export interface Verdict {
  readonly outcome: 'xfail' | 'xpass' | undefined;
  readonly bug: KnownBug;
  readonly hint: string;
}

/**
 * What a known bug says of one case result: a failure showing its symptom
 * on a build lacking the fix is xfail; one whose fix state is unknown stays
 * a failure with the hint; a pass on an affected build is xpass.
 */
export function judgeKnownBug(id: CaseId, raw: 'passed' | 'failed', evidence: readonly SeenObservation[], b: BuildFacts): Verdict | undefined {
  for (const bug of KNOWN_BUGS) {
    if (!bug.cases.some((ref) => refersTo(ref, id))) continue;
    const state = fixState(bug, b);
    const where = bug.fixedBy ? `fixed by ${bug.fixedBy} (${bug.fixedIn.join(', ')})` : bug.fixedIn.length ? `fixed in ${bug.fixedIn.join(', ')} by a commit not yet identified` : `open: no QEMU has a fix${bug.introducedBy ? ` (since ${bug.introducedBy})` : ''}`;
    if (raw === 'passed') {
      if (state === 'lacks-fix') return { outcome: 'xpass', bug, hint: `known QEMU bug ${bug.id} should show on ${b.version}, but the case passed: ${bug.fixedBy ? `fixed here (a backport of ${bug.fixedBy}?)` : 'fixed here: the first build with a fix, so record its commit in the registry'}` };
      continue;
    }
    const s = bug.symptom;
    // The symptom's label, or that label qualified after a comma ("..., vector 4 after the re-plug").
    const shows = (o: SeenObservation) => !o.ok && (o.label === s!.label || o.label.startsWith(`${s!.label}, `)) && (s!.observed instanceof RegExp ? typeof o.observed === 'string' && s!.observed.test(o.observed) : isDeepStrictEqual(o.observed, s!.observed));
    if (!s || !evidence.some(shows)) continue;
    if (state === 'lacks-fix') return { outcome: 'xfail', bug, hint: `known QEMU bug ${bug.id} (${bug.title}), ${where}; this build lacks it` };
    if (state === 'unknown') return { outcome: undefined, bug, hint: `looks like known QEMU bug ${bug.id} (${bug.title}), ${where}; whether this build has the fix is unknown` };
    if (state === 'not-affected') return { outcome: undefined, bug, hint: `shows the symptom of known QEMU bug ${bug.id}, though this build is older than the bug (${bug.introducedIn}): another cause` };
    return { outcome: undefined, bug, hint: `shows the symptom of known QEMU bug ${bug.id}, though this build has its fix ${bug.fixedBy}: a regression` };
  }
  return undefined;
}
