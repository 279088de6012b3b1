/** What a build offers, as a run reports it: every PCI device type found, those with MSI-X, and those left out with why. */
export interface MsixDeviceFound {
  readonly name: string;
  readonly vectors: number;
  readonly tableBar: number;
}

export interface Census {
  readonly machine: string;
  /** Every non-abstract PCI device type the build lists. */
  readonly found: number;
  readonly msix: readonly MsixDeviceFound[];
  /** Found but not checked, each with why (no MSI-X, needs a backend, ...). */
  readonly leftOut: readonly { readonly name: string; readonly reason: string }[];
}

/** One line per build for the console: how many, which, and the reasons for the rest, counted. */
export function censusLine(label: string, c: Census): string {
  const reasons = new Map<string, number>();
  for (const l of c.leftOut) {
    const why = l.reason.startsWith('QEMU refuses it') ? 'refused with its defaults (needs a backend or a property)' : l.reason;
    reasons.set(why, (reasons.get(why) ?? 0) + 1);
  }
  return `QEMU ${label} (${c.machine}): ${c.found} PCI device types, ${c.msix.length} with MSI-X: ${c.msix.map((d) => d.name).join(', ')}; left out: ${[...reasons].map(([w, n]) => `${n} ${w}`).join('; ')}`;
}
