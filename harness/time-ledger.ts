/**
 * Where a case's time goes: QEMU start, qtest and QMP traffic, host reads,
 * waits, shutdown, hot-plug of a device into a kept QEMU, and the rest (the harness's own work). The parts
 * partition the case's wall time exactly, even when they nest or overlap
 * (a wait that polls over qtest, a QMP call beside a qtest batch): at every
 * moment the time goes to the innermost kind of work going on, by a fixed
 * order (PRIORITY). One ledger is open at a time, for the case running;
 * with none open, charging costs two clock reads.
 */

export const PARTS = ['qemu-start', 'shutdown', 'hotplug', 'host-read', 'qmp', 'qtest', 'wait', 'other'] as const;
export type Part = (typeof PARTS)[number];
type Charged = Exclude<Part, 'other'>;

/** Earlier wins: a qtest poll inside a wait is qtest time; the wait keeps only its idle time. */
const PRIORITY: readonly Charged[] = ['qemu-start', 'shutdown', 'hotplug', 'host-read', 'qmp', 'qtest', 'wait'];

export type TimeParts = Readonly<Record<Part, number>>;

export class TimeLedger {
  private readonly active = new Map<Charged, number>();
  private readonly totals = Object.fromEntries(PARTS.map((p) => [p, 0])) as Record<Part, number>;
  private last = performance.now();

  begin(part: Charged): void {
    this.tick();
    this.active.set(part, (this.active.get(part) ?? 0) + 1);
  }

  end(part: Charged): void {
    this.tick();
    this.active.set(part, Math.max(0, (this.active.get(part) ?? 0) - 1));
  }

  /** The parts so far, in whole milliseconds. */
  parts(): TimeParts {
    this.tick();
    return Object.fromEntries(PARTS.map((p) => [p, Math.round(this.totals[p])])) as TimeParts;
  }

  private tick(): void {
    const now = performance.now();
    const top = PRIORITY.find((p) => (this.active.get(p) ?? 0) > 0) ?? 'other';
    this.totals[top] += now - this.last;
    this.last = now;
  }
}

let open: TimeLedger | undefined;

/** Open a fresh ledger for the case starting now (the one before is dropped). */
export function openLedger(): TimeLedger {
  open = new TimeLedger();
  return open;
}

export function closeLedger(l: TimeLedger): void {
  if (open === l) open = undefined;
}

/** Charge the time until `work` settles to `part` in the open ledger, if any. */
export function charge<T>(part: Charged, work: () => Promise<T>): Promise<T> {
  const l = open;
  if (!l) return work();
  l.begin(part);
  let p: Promise<T>;
  try {
    p = work();
  } catch (e) {
    l.end(part);
    throw e;
  }
  return p.finally(() => l.end(part));
}

/** The same for synchronous work (a sysfs read). */
export function chargeSync<T>(part: Charged, work: () => T): T {
  const l = open;
  if (!l) return work();
  l.begin(part);
  try {
    return work();
  } finally {
    l.end(part);
  }
}

/** Sum parts over many cases. */
export function addParts(a: TimeParts | undefined, b: TimeParts): TimeParts {
  return Object.fromEntries(PARTS.map((p) => [p, (a?.[p] ?? 0) + b[p]])) as TimeParts;
}
