/** The session states the qtest and QMP clients share: closing refuses calls by name, a closed channel refuses writes. */
import { expect } from 'chai';
import { Timeline } from '../../harness/timeline.js';
import { ChannelClosedError, WrongStateError } from '../../harness/errors.js';
import { QtestClient } from '../../harness/protocol/qtest-client.js';
import { fakePeer, type FakePeer } from '../support/fake-peer.js';

describe('session states (fake peer)', () => {
  let peer: FakePeer;
  afterEach(async () => peer.close());

  it('close() rejects the call in flight and every later call, naming the state', async () => {
    peer = await fakePeer({ encoding: 'latin1', name: 'qtest' });
    const qt = new QtestClient(peer.channel, { log: new Timeline(8), timeoutMs: 2000 });
    const inFlight = qt.readl(0x10);
    await peer.nextLine();
    qt.close('test over');
    const e1 = await inFlight.catch((e: unknown) => e);
    expect(e1).to.be.instanceOf(WrongStateError);
    expect((e1 as WrongStateError).state).to.equal('closing');
    expect(['closing', 'closed']).to.include(qt.state);
    const e2 = await qt.readl(0x10).catch((e: unknown) => e);
    expect(e2).to.be.instanceOf(WrongStateError);
    expect((e2 as Error).message).to.match(/client is closing/);
  });

  it('a write on a closed channel throws instead of vanishing', async () => {
    peer = await fakePeer({ encoding: 'latin1', name: 'qtest' });
    peer.channel.close('done');
    expect(() => peer.channel.write('readl 0x0\n')).to.throw(ChannelClosedError, /write of "readl 0x0\\n" after the channel closed/);
  });
});
