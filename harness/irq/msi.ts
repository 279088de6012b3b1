/** Guest-side plain MSI driver (single message), enough for MSI <-> MSI-X switching. */
import { CapId } from '../pci/capabilities.js';
import type { PciFunction } from '../pci/pci-function.js';
import type { MsixMessage } from './msix.js';

const CONTROL = 2;
const ENABLE = 1 << 0;
const ADDR64 = 1 << 7;

export class MsiDriver {
  private constructor(
    readonly fn: PciFunction,
    readonly offset: number,
    readonly is64: boolean,
  ) {}

  static async attach(fn: PciFunction): Promise<MsiDriver | undefined> {
    const offset = await fn.findCapability(CapId.MSI);
    if (offset === undefined) return undefined;
    const control = await fn.read(offset + CONTROL, 2);
    return new MsiDriver(fn, offset, !!(control & ADDR64));
  }

  private get dataOffset(): number {
    return this.offset + (this.is64 ? 0x0c : 0x08);
  }

  async enabled(): Promise<boolean> {
    return !!((await this.fn.read(this.offset + CONTROL, 2)) & ENABLE);
  }

  /** Program one message (Multiple Message Enable = 1) and set MSI Enable. */
  async enable(msg: MsixMessage): Promise<void> {
    const addr = BigInt(msg.address);
    await this.fn.write(this.offset + 4, 4, Number(addr & 0xffffffffn));
    if (this.is64) await this.fn.write(this.offset + 8, 4, Number(addr >> 32n));
    else if (addr >> 32n) throw new RangeError('this MSI capability has 32-bit addresses only');
    await this.fn.write(this.dataOffset, 2, msg.data & 0xffff);
    const control = await this.fn.read(this.offset + CONTROL, 2);
    await this.fn.write(this.offset + CONTROL, 2, (control & ~(7 << 4)) | ENABLE);
  }

  async disable(): Promise<void> {
    const control = await this.fn.read(this.offset + CONTROL, 2);
    await this.fn.write(this.offset + CONTROL, 2, control & ~ENABLE);
  }
}
