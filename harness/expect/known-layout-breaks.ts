/**
 * Guest-visible layout changes QEMU made on purpose or by mistake without a
 * compat property, so that a versioned machine type shows a device
 * differently on releases before and after the change. Each is data with
 * the commit that made it; compare --layout names it instead of failing.
 * A break is recognised by device and changed field, between a build older
 * than `introducedIn` and one at or after it.
 */
export interface KnownLayoutBreak {
  readonly id: string;
  readonly device: string;
  /** The fields it changed (DeviceLayout paths, as layoutDifferences names them). */
  readonly fields: readonly string[];
  readonly title: string;
  readonly introducedBy: string;
  readonly introducedIn: string;
  /** Why it does not break migration, when it does not. */
  readonly migration: string;
}

export const KNOWN_LAYOUT_BREAKS: readonly KnownLayoutBreak[] = [
  {
    id: 'nvme-pm-capability',
    device: 'nvme',
    fields: ['capabilities'],
    // Seen here: 5.2.0 has MSI-X@40 and Express@80; 7.2.22, 10.0.13 and 11.1.3 add Power Management@60, on every machine type.
    title: 'nvme gained a Power Management capability (with Function Level Reset, for SR-IOV), on every machine type alike',
    introducedBy: '1e9c685ec7',
    introducedIn: '7.1.0',
    migration: "none: QEMU's nvme cannot be migrated (unmigratable vmstate)",
  },
];
