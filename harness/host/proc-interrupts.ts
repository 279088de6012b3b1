/**
 * /proc/interrupts parsed by tokens, not columns: the chip column's width and
 * alignment changed across kernels. Handles per-device MSI domains
 * (`IR-PCI-MSIX-0000:00:03.0 0-edge`, Linux >= 6.2 on x86), the older global
 * domain (`PCI-MSI 49152-edge`, hwirq = devid << 11 | vector), arm64's
 * `ITS-PCI-MSIX-… 0 Edge`, IO-APIC lines, and the per-CPU summary rows.
 */
import { parseVfioAction, type VfioAction } from './vfio-action.js';

export interface InterruptLine {
  /** The IRQ number, or the summary row's name (NMI, LOC, ...). */
  readonly irq: number | string;
  /** Per-CPU counts. */
  readonly counts: readonly number[];
  readonly total: number;
  readonly chip?: string;
  readonly hwirq?: number;
  /** edge, fasteoi, level, ... */
  readonly trigger?: string;
  /** Handler names (the last column; comma-separated when shared). */
  readonly actions: readonly string[];
  /** For lines whose chip names the device (per-device MSI domains). */
  readonly chipBdf?: string;
  /** vfio's own naming of the line, if it is one of vfio's. */
  readonly vfio?: VfioAction;
  readonly raw: string;
}

const NUM = /^\d+$/;
const HWIRQ_TRIGGER = /^(\d+)-([A-Za-z]+)$/;
const BDF_IN_CHIP = /([0-9a-f]{4}:[0-9a-f]{2}:[0-9a-f]{2}\.[0-7])$/;

/** Parse a whole /proc/interrupts text. Lines that are not IRQ rows (the CPU header, blank) are skipped. */
export function parseProcInterrupts(text: string): InterruptLine[] {
  const lines = text.split('\n');
  const header = lines.find((l) => /^\s*CPU\d+/.test(l));
  const cpus = header ? header.trim().split(/\s+/).length : undefined;
  const out: InterruptLine[] = [];
  for (const l of lines) {
    const parsed = parseInterruptLine(l, cpus);
    if (parsed) out.push(parsed);
  }
  return out;
}

/** Parse one row. `cpus` bounds the count columns when the header was seen. */
export function parseInterruptLine(raw: string, cpus?: number): InterruptLine | undefined {
  raw = raw.replace(/\r$/, ''); // captured over a serial console
  const m = /^\s*([0-9A-Za-z]+):(.*)$/.exec(raw);
  if (!m || raw.trimStart().startsWith('#')) return undefined;
  const id = m[1]!;
  const tokens = m[2]!.trim().split(/\s+/).filter(Boolean);
  const counts: number[] = [];
  while (tokens.length && NUM.test(tokens[0]!) && (cpus === undefined || counts.length < cpus)) counts.push(Number(tokens.shift()));
  const base = { counts, total: counts.reduce((a, b) => a + b, 0), raw };
  if (!NUM.test(id)) return { irq: id, ...base, actions: tokens.length ? [tokens.join(' ')] : [] };

  // chip tokens up to the hwirq token ("0-edge", or "0" followed by "Edge"/"Level").
  const chip: string[] = [];
  let hwirq: number | undefined;
  let trigger: string | undefined;
  while (tokens.length) {
    const t = tokens.shift()!;
    const ht = HWIRQ_TRIGGER.exec(t);
    if (ht) {
      hwirq = Number(ht[1]);
      trigger = ht[2]!.toLowerCase();
      break;
    }
    if (NUM.test(t) && chip.length && /^(Edge|Level)$/i.test(tokens[0] ?? '')) {
      hwirq = Number(t);
      trigger = tokens.shift()!.toLowerCase();
      break;
    }
    chip.push(t);
  }
  const actions = tokens.length ? tokens.join(' ').split(/,\s*/) : [];
  const chipName = chip.join(' ') || undefined;
  const chipBdf = chipName ? BDF_IN_CHIP.exec(chipName)?.[1] : undefined;
  const vfio = actions.map(parseVfioAction).find((v) => v !== undefined);
  return {
    irq: Number(id),
    ...base,
    ...(chipName ? { chip: chipName } : {}),
    ...(hwirq !== undefined ? { hwirq } : {}),
    ...(trigger ? { trigger } : {}),
    actions,
    ...(chipBdf ? { chipBdf } : {}),
    ...(vfio ? { vfio } : {}),
  };
}

/**
 * The device's vector for an MSI/MSI-X line: with a per-device domain the
 * hwirq is the vector; in the old global PCI-MSI domain it is devid << 11 | vector.
 */
export function msiVector(line: InterruptLine): number | undefined {
  if (line.hwirq === undefined || !line.chip || !/MSI/.test(line.chip)) return undefined;
  return line.chipBdf ? line.hwirq : line.hwirq & 0x7ff;
}
