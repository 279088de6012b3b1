/**
 * A device's guest-visible layout, as a versioned machine type must keep it
 * from release to release (migration compatibility rests on it): the config
 * header, the capability chain, the BARs, and where MSI-X puts its table
 * and PBA. Plain data, so surveys cache as JSON and compare field by field.
 */

export interface DeviceLayout {
  readonly header: {
    readonly vendor: number;
    readonly device: number;
    readonly revision: number;
    readonly classCode: number;
    readonly headerType: number;
    readonly subsystemVendor: number;
    readonly subsystem: number;
    readonly interruptPin: number;
  };
  /** Standard capabilities in chain order: id@offset. */
  readonly capabilities: readonly string[];
  /** PCI Express extended capabilities (q35 only; pc's config access stops at 256 bytes). */
  readonly extendedCapabilities: readonly string[];
  /** Implemented BARs: index, kind and size. */
  readonly bars: readonly { readonly index: number; readonly kind: string; readonly prefetchable: boolean; readonly size: number }[];
  readonly msix: { readonly tableSize: number; readonly tableBir: number; readonly tableOffset: number; readonly pbaBir: number; readonly pbaOffset: number } | null;
}

/** One device on one build and machine type: its layout, or why there is none. */
export type DeviceLayoutResult = { readonly device: string; readonly layout: DeviceLayout } | { readonly device: string; readonly leftOut: string };

/** Every device surveyed on one build and one versioned machine type. */
export interface LayoutSurvey {
  readonly machineType: string;
  readonly devices: readonly DeviceLayoutResult[];
}

export interface LayoutDifference {
  /** A path into DeviceLayout: header.revision, bars[2].size, msix.tableOffset, capabilities. */
  readonly field: string;
  readonly reference: unknown;
  readonly other: unknown;
}

const hex = (n: number) => `0x${n.toString(16)}`;

/** How `other` differs from `reference`, field by field; empty when they are the same layout. */
export function layoutDifferences(reference: DeviceLayout, other: DeviceLayout): LayoutDifference[] {
  const out: LayoutDifference[] = [];
  for (const k of Object.keys(reference.header) as (keyof DeviceLayout['header'])[]) {
    if (reference.header[k] !== other.header[k]) out.push({ field: `header.${k}`, reference: hex(reference.header[k]), other: hex(other.header[k]) });
  }
  for (const k of ['capabilities', 'extendedCapabilities'] as const) {
    if (reference[k].join(' ') !== other[k].join(' ')) out.push({ field: k, reference: reference[k].join(' ') || 'none', other: other[k].join(' ') || 'none' });
  }
  const barText = (b: DeviceLayout['bars'][number] | undefined) => (b ? `${b.kind}${b.prefetchable ? ' prefetchable' : ''} ${hex(b.size)}` : 'none');
  for (const i of new Set([...reference.bars, ...other.bars].map((b) => b.index))) {
    const [r, o] = [reference.bars.find((b) => b.index === i), other.bars.find((b) => b.index === i)];
    if (barText(r) !== barText(o)) out.push({ field: `bars[${i}]`, reference: barText(r), other: barText(o) });
  }
  if (!reference.msix || !other.msix) {
    if (!!reference.msix !== !!other.msix) out.push({ field: 'msix', reference: reference.msix ? 'present' : 'none', other: other.msix ? 'present' : 'none' });
  } else {
    for (const k of Object.keys(reference.msix) as (keyof NonNullable<DeviceLayout['msix']>)[]) {
      const [r, o] = [reference.msix[k], other.msix[k]];
      if (r !== o) out.push({ field: `msix.${k}`, reference: k.endsWith('Offset') ? hex(r) : r, other: k.endsWith('Offset') ? hex(o) : o });
    }
  }
  return out;
}

/** The versioned machine types a build offers (pc-q35-X.Y, pc-i440fx-X.Y), from query-machines' names. */
export function versionedMachineTypes(names: readonly string[]): string[] {
  return names.filter((n) => VERSIONED.test(n)).sort(compareMachineTypes);
}

const VERSIONED = /^pc-(q35|i440fx)-(\d+)\.(\d+)$/;

/** The machine (bus operations) a versioned type is a version of. */
export function machineOf(type: string): 'q35' | 'pc' {
  const m = VERSIONED.exec(type);
  if (!m) throw new Error(`${type} is not a versioned pc-q35 or pc-i440fx machine type`);
  return m[1] === 'q35' ? 'q35' : 'pc';
}

/** The release a versioned machine type is named after ("7.2" for pc-q35-7.2). */
export function releaseOf(type: string): string {
  const m = VERSIONED.exec(type);
  if (!m) throw new Error(`${type} is not a versioned pc-q35 or pc-i440fx machine type`);
  return `${m[2]}.${m[3]}`;
}

export function compareMachineTypes(a: string, b: string): number {
  const [ma, mb] = [VERSIONED.exec(a)!, VERSIONED.exec(b)!];
  return ma[1]!.localeCompare(mb[1]!) || Number(ma[2]) - Number(mb[2]) || Number(ma[3]) - Number(mb[3]);
}
