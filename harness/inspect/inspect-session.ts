/**
 * One device under test driven by hand: the listed actions only, each with
 * validated arguments, run one at a time; the guest's MSI-X state, the
 * deliveries, for vfio the host's side, and QEMU's trace events read after
 * each action and on a short poll; and a timeline of every action with what
 * it changed, which saves as JSON and as the skeleton of a case in the
 * suites' own API.
 */
import type { Dut } from '../case/dut.js';
import type { HostState, HostView } from '../case/host-view.js';

export const ACTIONS = ['enable', 'disable', 'function-mask', 'function-unmask', 'route', 'mask', 'unmask', 'fire', 'system-reset'] as const;
export type ActionName = (typeof ACTIONS)[number];
/** How long a fire of a deliverable vector waits for its delivery before the step is read. */
const FIRE_WAIT_MS = 2000;
const WITH_VECTOR: ReadonlySet<ActionName> = new Set(['route', 'mask', 'unmask', 'fire']);

export interface Action {
  readonly action: ActionName;
  readonly vector?: number;
}

/** The passed-through device on the host, as the host kernel has it. */
export interface HostSide {
  readonly bdf: string;
  /** Physical MSI-X Enable and Function Mask (config space). */
  readonly enabled: boolean;
  readonly functionMasked: boolean;
  /** The IRQs in msi_irqs. */
  readonly msiIrqs: readonly number[];
  /** The device's vfio lines of /proc/interrupts and their counts; name as vfio gives it ("vfio-msix[0](0000:00:03.0)"), vector within its kind. */
  readonly lines: readonly { readonly irq: number | string; readonly name: string; readonly kind: 'msix' | 'msi' | 'intx'; readonly vector?: number; readonly total: number }[];
}

export interface InspectState {
  readonly enabled: boolean;
  readonly functionMasked: boolean;
  readonly entries: readonly { readonly vector: number; readonly address: string; readonly data: string; readonly masked: boolean }[];
  /** Vectors whose PBA bit is set. */
  readonly pending: readonly number[];
  /** Deliveries seen per vector since the session began. */
  readonly deliveries: readonly number[];
  /** For vfio: the host's side. */
  readonly host?: HostSide;
}

export interface TimelineStep {
  readonly at: string;
  readonly action: Action;
  /** "entry 0 masked: true -> false", "deliveries[0]: 0 -> 1" ... */
  readonly changed: readonly string[];
  readonly error?: string;
}

/** Checks a page's request against the action list; throws what is wrong. */
export function parseAction(raw: unknown, vectors: number): Action {
  if (typeof raw !== 'object' || raw === null) throw new Error('an action is an object {action, vector?}');
  const { action, vector } = raw as { action?: unknown; vector?: unknown };
  if (typeof action !== 'string' || !(ACTIONS as readonly string[]).includes(action)) throw new Error(`unknown action ${JSON.stringify(action)}: one of ${ACTIONS.join(', ')}`);
  const name = action as ActionName;
  if (!WITH_VECTOR.has(name)) {
    if (vector !== undefined) throw new Error(`${name} takes no vector`);
    return { action: name };
  }
  if (!Number.isInteger(vector) || (vector as number) < 0 || (vector as number) >= vectors) throw new Error(`${name} needs a vector 0..${vectors - 1}`);
  return { action: name, vector: vector as number };
}

export class InspectSession {
  private readonly deliveries: number[];
  private readonly routed = new Set<number>();
  private readonly steps: TimelineStep[] = [];
  private traceSeen = 0;
  private queue: Promise<unknown> = Promise.resolve();
  private last: InspectState | undefined;
  /** The host's facts as cases compare them (HostView.state), from the last read. */
  private lastHostState: HostState | undefined;

  constructor(
    readonly dut: Dut,
    /** For a passed-through device: the host's view of it. */
    readonly host?: HostView,
  ) {
    this.deliveries = new Array<number>(dut.msix.vectors).fill(0);
  }

  get vectors(): number {
    return this.dut.msix.vectors;
  }

  /** One qtest conversation at a time: actions and polls queue. */
  private serial<T>(f: () => Promise<T>): Promise<T> {
    const run = this.queue.then(f, f);
    this.queue = run.catch(() => undefined);
    return run;
  }

  /** Run an action; returns the state after it and the timeline step. */
  act(a: Action): Promise<{ state: InspectState; step: TimelineStep }> {
    return this.serial(async () => {
      const before = this.last ?? (await this.read());
      let error: string | undefined;
      try {
        await this.apply(a);
      } catch (e) {
        error = (e as Error).message;
      }
      const state = await this.read();
      const step: TimelineStep = { at: new Date().toISOString(), action: a, changed: stateChanges(before, state), ...(error ? { error } : {}) };
      this.steps.push(step);
      return { state, step };
    });
  }

  /** The state now (counting deliveries), for the poll. */
  poll(): Promise<InspectState> {
    return this.serial(() => this.read());
  }

  /** QEMU trace events since the last call. */
  newTraces(): { name: string; args: string }[] {
    const all = this.dut.traces();
    const fresh = all.slice(this.traceSeen);
    this.traceSeen = all.length;
    return fresh.map((e) => ({ name: e.name, args: e.args }));
  }

  timeline(): readonly TimelineStep[] {
    return this.steps;
  }

  private async apply(a: Action): Promise<void> {
    const { dut } = this;
    const v = a.vector!;
    switch (a.action) {
      case 'enable':
        return dut.msix.enable();
      case 'disable':
        return dut.msix.disable();
      case 'function-mask':
        return dut.msix.setFunctionMask(true);
      case 'function-unmask':
        return dut.msix.setFunctionMask(false);
      case 'route':
        this.routed.add(v);
        return dut.route(v);
      case 'mask':
        return dut.msix.mask(v);
      case 'unmask':
        return dut.msix.unmask(v);
      case 'fire': {
        const deliverable = this.routed.has(v) && (await this.deliverable(v));
        await dut.fire(v);
        await dut.settle();
        // A passed-through device's interrupt comes back through the host, after the fire returns: wait for it (bounded) so the step shows it.
        if (deliverable) await dut.mailbox.waitDelivered(v, FIRE_WAIT_MS).catch(() => undefined);
        return;
      }
      case 'system-reset':
        this.routed.clear();
        return dut.machineReset();
    }
  }

  /** MSI-X on, no Function Mask, the entry unmasked: a fire must arrive. */
  private async deliverable(v: number): Promise<boolean> {
    const c = await this.dut.msix.control();
    return c.enabled && !c.functionMasked && !(await this.dut.msix.entry(v)).masked;
  }

  private async read(): Promise<InspectState> {
    const { dut } = this;
    // A routed vector's mailbox slot holds its message once delivered: count it and clear the slot for the next.
    for (const v of this.routed) {
      if (await dut.mailbox.delivered(v)) {
        this.deliveries[v]!++;
        await dut.mailbox.arm(v);
      }
    }
    const c = await dut.msix.control();
    const entries = (await dut.msix.entries()).map((e, vector) => ({ vector, address: `0x${e.address.toString(16)}`, data: `0x${e.data.toString(16)}`, masked: e.masked }));
    const bits = await dut.msix.pendingBits();
    const host = this.host ? await this.readHost(this.host) : undefined;
    this.last = { enabled: c.enabled, functionMasked: c.functionMasked, entries, pending: bits.flatMap((b, i) => (b ? [i] : [])), deliveries: [...this.deliveries], ...(host ? { host } : {}) };
    return this.last;
  }

  private async readHost(view: HostView): Promise<HostSide> {
    const s = await view.snapshot();
    this.lastHostState = view.stateOf(s);
    return {
      bdf: s.bdf,
      enabled: s.msix?.enabled ?? false,
      functionMasked: s.msix?.functionMasked ?? false,
      msiIrqs: s.msiIrqs.map((i) => i.irq),
      lines: s.lines.flatMap((l) => (l.vfio ? [{ irq: l.irq, name: l.actions.join(','), kind: l.vfio.kind, ...(l.vfio.vector !== undefined ? { vector: l.vfio.vector } : {}), total: l.total }] : [])),
    };
  }

  /** The timeline as the body of a case in the suites' API (the actions as they were done, the final state as expectations). */
  caseSkeleton(): string {
    const call = (a: Action): string => {
      const v = a.vector;
      return {
        enable: 'await dut.msix.enable();',
        disable: 'await dut.msix.disable();',
        'function-mask': 'await dut.msix.setFunctionMask(true);',
        'function-unmask': 'await dut.msix.setFunctionMask(false);',
        route: `await dut.route(${v});`,
        mask: `await dut.msix.mask(${v});`,
        unmask: `await dut.msix.unmask(${v});`,
        fire: `await dut.fire(${v});\n      await dut.settle();`,
        'system-reset': 'await dut.machineReset();',
      }[a.action];
    };
    const s = this.last;
    const expects = s
      ? [
          `ev.guest.expect('Enable', (await dut.msix.control()).enabled, ${s.enabled});`,
          `ev.guest.expect('Function Mask', (await dut.msix.control()).functionMasked, ${s.functionMasked});`,
          `ev.guest.expect('masked entries', (await dut.msix.entries()).flatMap((e, v) => (e.masked ? [v] : [])), ${JSON.stringify(s.entries.filter((e) => e.masked).map((e) => e.vector))});`,
          ...(s.host ? [`ev.host.expect('host state', await host.state(), ${JSON.stringify(this.lastHostState)});`] : []),
        ]
      : [];
    return [
      '{',
      "  slug: 'from-inspector',",
      "  title: 'TODO: what this sequence shows',",
      '  pins: [],',
      `  async body({ dut, ev${this.host ? ', host' : ''} }) {`,
      '    await dut.resetDevice();',
      ...this.steps.filter((st) => !st.error).map((st) => `    ${call(st.action)}`),
      ...expects.map((e) => `    ${e}`),
      '  },',
      '},',
      '',
    ].join('\n');
  }
}

/** What changed from one state to the next, in words (a timeline step's `changed`). */
export function stateChanges(a: InspectState, b: InspectState): string[] {
  const out: string[] = [];
  const note = (what: string, x: unknown, y: unknown) => {
    if (JSON.stringify(x) !== JSON.stringify(y)) out.push(`${what}: ${JSON.stringify(x)} -> ${JSON.stringify(y)}`);
  };
  note('Enable', a.enabled, b.enabled);
  note('Function Mask', a.functionMasked, b.functionMasked);
  b.entries.forEach((e, i) => {
    const o = a.entries[i];
    note(`entry ${i} address`, o?.address, e.address);
    note(`entry ${i} data`, o?.data, e.data);
    note(`entry ${i} masked`, o?.masked, e.masked);
  });
  note('pending', a.pending, b.pending);
  b.deliveries.forEach((n, i) => note(`deliveries[${i}]`, a.deliveries[i], n));
  if (b.host) {
    note('host MSI-X Enable', a.host?.enabled, b.host.enabled);
    note('host Function Mask', a.host?.functionMasked, b.host.functionMasked);
    note('host msi_irqs', a.host?.msiIrqs, b.host.msiIrqs);
    const before = new Map(a.host?.lines.map((l) => [l.name, l.total]));
    for (const l of b.host.lines) {
      if (before.has(l.name)) note(`host ${l.name}`, before.get(l.name), l.total);
      else out.push(`host ${l.name}: new, count ${l.total}`);
    }
    for (const name of before.keys()) if (!b.host.lines.some((l) => l.name === name)) out.push(`host ${name}: gone`);
  }
  return out;
}
