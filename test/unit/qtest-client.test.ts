import { expect } from 'chai';
import { Timeline } from '../../harness/timeline.js';
import { ChannelClosedError, MalformedReplyError, OversizedLineError, ProtocolTimeoutError, QtestCommandError, UnsupportedCommandError } from '../../harness/errors.js';
import { QtestClient } from '../../harness/protocol/qtest-client.js';
import * as ops from '../../harness/protocol/qtest-ops.js';
import { fakePeer, type FakePeer } from '../support/fake-peer.js';

describe('qtest client (fake peer)', () => {
  let peer: FakePeer;
  let qt: QtestClient;
  const start = async (o: { timeoutMs?: number; maxLineBytes?: number } = {}) => {
    peer = await fakePeer({ encoding: 'latin1', name: 'qtest', ...(o.maxLineBytes ? { maxLineBytes: o.maxLineBytes } : {}) });
    qt = new QtestClient(peer.channel, { log: new Timeline(8), timeoutMs: o.timeoutMs ?? 2000, clock: { available: false, why: 'no qtest accelerator' } });
  };
  afterEach(async () => peer.close());

  it('returns typed replies in order for a pipelined batch, in one write', async () => {
    await start();
    const p = qt.pipeline([ops.readl(0x10), ops.writel(0x10, 1), ops.inb(0x80), ops.endianness()]);
    for (let i = 0; i < 4; i++) await peer.nextLine();
    peer.send('OK 0x0000000000000007\nOK\nOK 0x00ff\nOK little\n');
    expect(await p).to.deep.equal([7, undefined, 0xff, 'little']);
    expect(peer.received).to.deep.equal(['readl 0x10', 'writel 0x10 0x1', 'inb 0x80', 'endianness']);
  });

  it('never takes an asynchronous IRQ line for a reply', async () => {
    await start();
    const p = qt.inl(0xcfc);
    await peer.nextLine();
    peer.send('IRQ raise 23\nOK 0x5\n');
    expect(await p).to.equal(5);
    expect(qt.state).to.equal('open');
  });

  it('turns FAIL into a QtestCommandError carrying the exchange, and stays usable', async () => {
    await start();
    const p = qt.readb(0xfffffffffffff000n);
    await peer.nextLine();
    peer.send('FAIL Unknown device\n');
    const err = await p.catch((e: unknown) => e);
    expect(err).to.be.instanceOf(QtestCommandError);
    expect((err as QtestCommandError).exchanges.map((x) => x.text)).to.include('FAIL Unknown device');
    const q = qt.readb(0);
    await peer.nextLine();
    peer.send('OK 0x0000000000000001\n');
    expect(await q).to.equal(1);
  });

  it('fails fast on a malformed reply and refuses later calls with the same error', async () => {
    await start();
    const p = qt.readl(0);
    await peer.nextLine();
    peer.send('HELLO there\n');
    const err = await p.catch((e: unknown) => e);
    expect(err).to.be.instanceOf(MalformedReplyError);
    expect((err as Error).message).to.contain('readl 0x0');
    expect(qt.state).to.equal('failed');
    expect(await qt.readl(4).catch((e: unknown) => e)).to.equal(err);
  });

  it('rejects a reply value of the wrong shape', async () => {
    await start();
    const p = qt.readl(0);
    await peer.nextLine();
    peer.send('OK 0x1ffffffff\n');
    expect(await p.catch((e: unknown) => e)).to.be.instanceOf(MalformedReplyError);
  });

  it('closes on an oversized line instead of buffering it', async () => {
    await start({ maxLineBytes: 1024 });
    const p = qt.read(0, 8);
    await peer.nextLine();
    peer.send('OK 0x' + 'ab'.repeat(4096));
    const err = await p.catch((e: unknown) => e);
    expect(err).to.be.instanceOf(OversizedLineError);
    expect(qt.state).to.equal('failed');
  });

  it('times out naming the command it waited for', async () => {
    await start({ timeoutMs: 150 });
    const t0 = Date.now();
    const err = await qt.inl(0xcfc).catch((e: unknown) => e);
    expect(err).to.be.instanceOf(ProtocolTimeoutError);
    expect((err as Error).message).to.contain('inl 0xcfc').and.contain('150 ms');
    expect(Date.now() - t0).to.be.lessThan(1000);
    expect(qt.state).to.equal('failed');
  });

  it('reports the peer going away to every call in flight', async () => {
    await start();
    const p = qt.pipeline([ops.readl(0), ops.readl(4)]);
    await peer.nextLine();
    peer.end();
    expect(await p.catch((e: unknown) => e)).to.be.instanceOf(ChannelClosedError);
    expect(qt.state).to.equal('closed');
  });

  it('refuses clock_step without the qtest accelerator, saying why', async () => {
    await start();
    expect(() => qt.clockStep(1000)).to.throw(UnsupportedCommandError, /no qtest accelerator/);
    expect(peer.received).to.deep.equal([]);
  });
});
