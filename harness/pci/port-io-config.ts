/** Configuration mechanism #1: address at I/O port 0xcf8, data at 0xcfc..0xcff (offsets below 256). */
import * as ops from '../protocol/qtest-ops.js';
import type { QtestClient } from '../protocol/qtest-client.js';
import type { Bdf } from './bdf.js';
import { checkConfigOffset, type ConfigAccess, type Width } from './config-access.js';

const ADDR = 0xcf8;
const DATA = 0xcfc;

export class PortIoConfig implements ConfigAccess {
  readonly limit = 256;
  constructor(private readonly qtest: QtestClient) {}

  private address(bdf: Bdf, offset: number): number {
    return (0x80000000 | (bdf.bus << 16) | (bdf.dev << 11) | (bdf.fn << 8) | (offset & 0xfc)) >>> 0;
  }

  async read(bdf: Bdf, offset: number, width: Width): Promise<number> {
    checkConfigOffset(this, offset, width);
    const port = DATA + (offset & 3);
    const rd = width === 1 ? ops.inb(port) : width === 2 ? ops.inw(port) : ops.inl(port);
    const [, v] = await this.qtest.pipeline([ops.outl(ADDR, this.address(bdf, offset)), rd]);
    return v;
  }

  async write(bdf: Bdf, offset: number, width: Width, value: number): Promise<void> {
    checkConfigOffset(this, offset, width);
    const port = DATA + (offset & 3);
    const wr = width === 1 ? ops.outb(port, value) : width === 2 ? ops.outw(port, value) : ops.outl(port, value);
    await this.qtest.pipeline([ops.outl(ADDR, this.address(bdf, offset)), wr]);
  }
}
