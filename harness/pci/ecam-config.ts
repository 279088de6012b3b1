/** PCI Express enhanced configuration access (ECAM): 4 KiB of config space per function, memory-mapped. */
import type { QtestClient } from '../protocol/qtest-client.js';
import type { Bdf } from './bdf.js';
import { checkConfigOffset, type ConfigAccess, type Width } from './config-access.js';

export class EcamConfig implements ConfigAccess {
  readonly limit = 4096;
  constructor(
    private readonly qtest: QtestClient,
    readonly base: number,
  ) {}

  private address(bdf: Bdf, offset: number): number {
    return this.base + ((bdf.bus << 20) | (bdf.dev << 15) | (bdf.fn << 12) | offset);
  }

  read(bdf: Bdf, offset: number, width: Width): Promise<number> {
    checkConfigOffset(this, offset, width);
    const a = this.address(bdf, offset);
    return width === 1 ? this.qtest.readb(a) : width === 2 ? this.qtest.readw(a) : this.qtest.readl(a);
  }

  write(bdf: Bdf, offset: number, width: Width, value: number): Promise<void> {
    checkConfigOffset(this, offset, width);
    const a = this.address(bdf, offset);
    return width === 1 ? this.qtest.writeb(a, value) : width === 2 ? this.qtest.writew(a, value) : this.qtest.writel(a, value);
  }
}

/** Port I/O below 256 (cheapest, works before anything is set up), ECAM above. */
export class SplitConfig implements ConfigAccess {
  readonly limit = 4096;
  constructor(
    private readonly low: ConfigAccess,
    private readonly ecam: ConfigAccess,
  ) {}
  read(bdf: Bdf, offset: number, width: Width): Promise<number> {
    return (offset < 256 ? this.low : this.ecam).read(bdf, offset, width);
  }
  write(bdf: Bdf, offset: number, width: Width, value: number): Promise<void> {
    return (offset < 256 ? this.low : this.ecam).write(bdf, offset, width, value);
  }
}
