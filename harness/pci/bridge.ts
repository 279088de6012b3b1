/**
 * A PCI-to-PCI bridge (a root port) set up as firmware would: bus numbers,
 * the memory and I/O windows it forwards, decoding and bus mastering (a
 * device's messages go upstream only through a bridge that masters); and
 * its Secondary Bus Reset.
 */
import type { Bdf } from './bdf.js';
import type { ConfigAccess } from './config-access.js';
import { Window } from './bars.js';

const COMMAND = 0x04;
const PRIMARY_BUS = 0x18;
const SECONDARY_BUS = 0x19;
const SUBORDINATE_BUS = 0x1a;
const IO_BASE = 0x1c;
const IO_LIMIT = 0x1d;
const MEMORY_BASE = 0x20;
const MEMORY_LIMIT = 0x22;
const PREF_MEMORY_BASE = 0x24;
const PREF_MEMORY_LIMIT = 0x26;
const BRIDGE_CONTROL = 0x3e;
const BRIDGE_CONTROL_SBR = 1 << 6;
const IO_MEMORY_MASTER = 0x7;
/** Windows forward in these units: memory in 1 MiB, I/O in 4 KiB. */
const MEMORY_GRAIN = 0x10_0000;
const IO_GRAIN = 0x1000;

export interface BridgeWindows {
  readonly mmio: Window;
  readonly io: Window;
}

export class Bridge {
  constructor(
    private readonly cfg: ConfigAccess,
    readonly bdf: Bdf,
  ) {}

  /**
   * Number the secondary bus (no bus below it) and forward `mmio` and `io`
   * (start inclusive, end exclusive, in grains) to it; the prefetchable
   * window stays closed. Returns fresh allocators over the two windows.
   */
  async open(secondary: number, mmio: readonly [number, number], io: readonly [number, number]): Promise<BridgeWindows> {
    for (const [what, [start, end], grain] of [['memory', mmio, MEMORY_GRAIN], ['I/O', io, IO_GRAIN]] as const) {
      if (start % grain || end % grain || end <= start) throw new RangeError(`a bridge's ${what} window must be whole ${grain / 1024} KiB units: 0x${start.toString(16)}..0x${end.toString(16)}`);
    }
    await this.cfg.write(this.bdf, PRIMARY_BUS, 1, this.bdf.bus);
    await this.cfg.write(this.bdf, SECONDARY_BUS, 1, secondary);
    await this.cfg.write(this.bdf, SUBORDINATE_BUS, 1, secondary);
    await this.cfg.write(this.bdf, MEMORY_BASE, 2, (mmio[0] >>> 16) & 0xfff0);
    await this.cfg.write(this.bdf, MEMORY_LIMIT, 2, ((mmio[1] - 1) >>> 16) & 0xfff0);
    await this.cfg.write(this.bdf, IO_BASE, 1, (io[0] >>> 8) & 0xf0);
    await this.cfg.write(this.bdf, IO_LIMIT, 1, ((io[1] - 1) >>> 8) & 0xf0);
    // Base above limit: closed.
    await this.cfg.write(this.bdf, PREF_MEMORY_BASE, 2, 0xfff0);
    await this.cfg.write(this.bdf, PREF_MEMORY_LIMIT, 2, 0);
    await this.cfg.write(this.bdf, COMMAND, 2, (await this.cfg.read(this.bdf, COMMAND, 2)) | IO_MEMORY_MASTER);
    return { mmio: new Window('bridge memory', mmio[0], mmio[1]), io: new Window('bridge I/O', io[0], io[1]) };
  }

  /** Secondary Bus Reset: set, hold, clear, as a driver pulses it (every function below resets). */
  async secondaryBusReset(): Promise<void> {
    const ctl = await this.cfg.read(this.bdf, BRIDGE_CONTROL, 2);
    await this.cfg.write(this.bdf, BRIDGE_CONTROL, 2, ctl | BRIDGE_CONTROL_SBR);
    await this.cfg.write(this.bdf, BRIDGE_CONTROL, 2, ctl & ~BRIDGE_CONTROL_SBR);
  }
}
