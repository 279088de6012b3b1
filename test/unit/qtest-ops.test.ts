import { expect } from 'chai';
import { InvalidArgumentError } from '../../harness/errors.js';
import * as ops from '../../harness/protocol/qtest-ops.js';

describe('qtest ops', () => {
  it('formats each command as QEMU parses it', () => {
    expect(ops.outl(0xcf8, 0x80002000).line).to.equal('outl 0xcf8 0x80002000');
    expect(ops.readq(0xfee00000n).line).to.equal('readq 0xfee00000');
    expect(ops.writeq(0x1000, 0xffffffffffffffffn).line).to.equal('writeq 0x1000 0xffffffffffffffff');
    expect(ops.write(0x10, Buffer.from([0xde, 0xad])).line).to.equal('write 0x10 0x2 0xdead');
    expect(ops.memset(0x10, 4, 0xaa).line).to.equal('memset 0x10 0x4 0xaa');
    expect(ops.clockStep().line).to.equal('clock_step');
  });

  // Each of these would make QEMU's qtest parser assert and abort the machine.
  const refused: [string, () => unknown][] = [
    ['negative address', () => ops.readl(-1)],
    ['address over 64 bits', () => ops.readl(1n << 64n)],
    ['fractional address', () => ops.readb(1.5)],
    ['port over 0xffff', () => ops.inb(0x10000)],
    ['value wider than the access', () => ops.outb(0x80, 0x100)],
    ['32-bit value over 0xffffffff', () => ops.writel(0, 0x1_0000_0000)],
    ['zero-length read', () => ops.read(0, 0)],
  ];
  for (const [what, make] of refused) {
    it(`refuses ${what} before sending`, () => {
      expect(make).to.throw(InvalidArgumentError);
    });
  }

  it('parses replies strictly', () => {
    expect(ops.readl(0).parse('0x0000000000001234')).to.equal(0x1234);
    expect(ops.inb(0).parse('0x00ff')).to.equal(0xff);
    expect(ops.readq(0).parse('0xffffffffffffffff')).to.equal(0xffffffffffffffffn);
    expect(ops.read(0, 2).parse('0xbeef').toString('hex')).to.equal('beef');
    expect(() => ops.readl(0).parse('0x100000000')).to.throw();
    expect(() => ops.readl(0).parse('12')).to.throw();
    expect(() => ops.read(0, 2).parse('0xbe')).to.throw();
    expect(() => ops.writel(0, 1).parse('junk')).to.throw();
    expect(() => ops.endianness().parse('middle')).to.throw();
  });
});
