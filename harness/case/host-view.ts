/**
 * The host side as a vfio case sees it: the passed-through device's state
 * on the real host (physical MSI-X Enable, allocated vectors, the vfio lines
 * of /proc/interrupts and their counts), read fresh on every call.
 */
import { MissingHostInterruptError } from '../errors.js';
import { hostSnapshot, vfioLines, type HostSnapshot } from '../host/host-snapshot.js';
import { readPhysicalTable, type PhysicalEntry } from '../host/physical-msix-table.js';
import { pollUntil } from '../poll.js';

/** What a case knows of the host device before any QEMU holds it. */
export interface HostDeviceFacts {
  readonly bdf: string;
  /** The host kernel (inside the box: the box's kernel). */
  readonly kernel: string;
  /** VFIO_IRQ_INFO_NORESIZE for MSI-X, read from vfio (false: vectors can be added one at a time). */
  readonly noresize: boolean;
  /** Whether the function has INTx (a VF has none, so vfio gives nothing back when MSI-X goes off). */
  readonly intx: boolean;
}

/** The host facts cases compare, in one comparable shape. */
export interface HostState {
  readonly msixEnabled: boolean;
  readonly allocated: number;
  readonly msixLines: readonly number[];
  readonly msiLines: readonly number[];
  readonly intx: boolean;
}


const POLL_MS = 10;

export type RecordWait = <T>(what: string, timeoutMs: number, body: () => Promise<T>) => Promise<T>;

export class HostView implements HostDeviceFacts {
  readonly bdf: string;
  readonly kernel: string;
  readonly noresize: boolean;
  readonly intx: boolean;

  constructor(
    facts: HostDeviceFacts,
    /** How long a wait for a host count lasts (suite-wide). */
    private readonly waitMs = 5000,
    /** Records a wait in the device under test's timeline. */
    private readonly recordWait: RecordWait = (_what, _ms, body) => body(),
  ) {
    this.bdf = facts.bdf;
    this.kernel = facts.kernel;
    this.noresize = facts.noresize;
    this.intx = facts.intx;
  }

  /** The host as it must be with MSI and MSI-X off: no vectors, INTx handed back to the device where it has INTx. */
  get offState(): HostState {
    return { msixEnabled: false, allocated: 0, msixLines: [], msiLines: [], intx: this.intx };
  }

  snapshot(): Promise<HostSnapshot> {
    return hostSnapshot(this.bdf);
  }

  async state(): Promise<HostState> {
    return this.stateOf(await this.snapshot());
  }

  /** The comparable facts of a snapshot already taken. */
  stateOf(s: HostSnapshot): HostState {
    return {
      msixEnabled: s.msix?.enabled ?? false,
      allocated: s.msiIrqs.length,
      msixLines: vfioLines(s, 'msix').map((l) => l.vfio!.vector!),
      msiLines: vfioLines(s, 'msi').map((l) => l.vfio!.vector!),
      intx: vfioLines(s, 'intx').length > 0,
    };
  }

  /** The host's count on line vfio-msix[v] (undefined when there is no such line). */
  async count(v: number): Promise<number | undefined> {
    return vfioLines(await this.snapshot(), 'msix').find((l) => l.vfio!.vector === v)?.total;
  }

  /** Host counts move when the kernel handles the interrupt: wait for vfio-msix[v] to reach `atLeast`, bounded. */
  async waitCount(v: number, atLeast: number): Promise<void> {
    const what = `host count of vfio-msix[${v}] to reach ${atLeast}`;
    const poll = async () => void (await pollUntil(() => this.count(v), (n) => (n ?? 0) >= atLeast, { timeoutMs: this.waitMs, intervalMs: POLL_MS, timeout: (last) => new MissingHostInterruptError(`vfio-msix[${v}]`, atLeast, this.waitMs, last) }));
    return this.recordWait(what, this.waitMs, poll);
  }

  /** The physical MSI-X table as the host kernel programmed it (read from the device's BAR). */
  async physicalTable(): Promise<PhysicalEntry[]> {
    const s = await this.snapshot();
    if (!s.msix) throw new Error(`${this.bdf} has no MSI-X capability on the host`);
    return readPhysicalTable(this.bdf, s.msix);
  }
}
