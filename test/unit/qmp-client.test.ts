import { expect } from 'chai';
import { Timeline } from '../../harness/timeline.js';
import { ChannelClosedError, MalformedReplyError, ProtocolTimeoutError, QmpCommandError } from '../../harness/errors.js';
import { QmpClient } from '../../harness/protocol/qmp-client.js';
import { fakePeer, type FakePeer } from '../support/fake-peer.js';

const GREETING = JSON.stringify({ QMP: { version: { qemu: { micro: 2, minor: 0, major: 10 }, package: 'Debian 1:10.0.2' }, capabilities: [] } });

describe('QMP client (fake peer)', () => {
  let peer: FakePeer;
  afterEach(async () => peer.close());

  async function ready(): Promise<QmpClient> {
    peer = await fakePeer({ name: 'qmp' });
    peer.send(GREETING + '\r\n');
    const c = QmpClient.connect(peer.channel, { log: new Timeline(8), timeoutMs: 1000 });
    const neg = JSON.parse(await peer.nextLine()) as { execute: string; id: string };
    expect(neg.execute).to.equal('qmp_capabilities');
    peer.send(JSON.stringify({ return: {}, id: neg.id }) + '\n');
    return c;
  }

  it('negotiates and reports the version from the greeting', async () => {
    const c = await ready();
    expect(c.state).to.equal('ready');
    expect(c.version).to.deep.equal({ major: 10, minor: 0, micro: 2, package: 'Debian 1:10.0.2' });
  });

  it('routes replies by id, whatever their order', async () => {
    const c = await ready();
    const a = c.execute('query-status');
    const b = c.execute('query-version');
    const ia = (JSON.parse(await peer.nextLine()) as { id: string }).id;
    const ib = (JSON.parse(await peer.nextLine()) as { id: string }).id;
    peer.send(JSON.stringify({ return: 'B', id: ib }) + '\n' + JSON.stringify({ return: 'A', id: ia }) + '\n');
    expect([await a, await b]).to.deep.equal(['A', 'B']);
  });

  it('carries the error class of a failed command', async () => {
    const c = await ready();
    const p = c.execute('set_link', { name: 'x', up: false });
    const id = (JSON.parse(await peer.nextLine()) as { id: string }).id;
    peer.send(JSON.stringify({ error: { class: 'DeviceNotFound', desc: "Device 'x' not found" }, id }) + '\n');
    const err = (await p.catch((e: unknown) => e)) as QmpCommandError;
    expect(err).to.be.instanceOf(QmpCommandError);
    expect(err.errorClass).to.equal('DeviceNotFound');
  });

  it('keeps events in a history and finds one that arrived before the wait', async () => {
    const c = await ready();
    const since = c.eventCursor();
    peer.send(JSON.stringify({ event: 'RESET', data: { guest: false }, timestamp: { seconds: 1, microseconds: 0 } }) + '\n');
    await new Promise((r) => setTimeout(r, 20));
    const e = await c.waitEvent('RESET', { since, timeoutMs: 100 });
    expect(e.data).to.deep.equal({ guest: false });
    expect(c.events('RESET')).to.have.length(1);
    const err = await c.waitEvent('RESET', { timeoutMs: 100 }).catch((x: unknown) => x);
    expect(err).to.be.instanceOf(ProtocolTimeoutError);
    expect((err as Error).message).to.contain('QMP event RESET');
  });

  it('fails on malformed JSON with the line it got', async () => {
    const c = await ready();
    const p = c.execute('query-status');
    await peer.nextLine();
    peer.send('{"return": \n');
    const err = await p.catch((e: unknown) => e);
    expect(err).to.be.instanceOf(MalformedReplyError);
    expect(c.state).to.equal('failed');
  });

  it('times out a handshake that never gets a greeting', async () => {
    peer = await fakePeer({ name: 'qmp' });
    const err = await QmpClient.connect(peer.channel, { log: new Timeline(8), handshakeTimeoutMs: 150 }).catch((e: unknown) => e);
    expect(err).to.be.instanceOf(ProtocolTimeoutError);
    expect((err as Error).message).to.contain('QMP greeting');
  });

  it('rejects a greeting without a version', async () => {
    peer = await fakePeer({ name: 'qmp' });
    peer.send('{"QMP": {}}\n');
    const err = await QmpClient.connect(peer.channel, { log: new Timeline(8), timeoutMs: 500 }).catch((e: unknown) => e);
    expect(err).to.be.instanceOf(MalformedReplyError);
  });

  it('turns end of stream into an error for calls in flight', async () => {
    const c = await ready();
    const p = c.execute('query-status');
    await peer.nextLine();
    peer.end();
    expect(await p.catch((e: unknown) => e)).to.be.instanceOf(ChannelClosedError);
    expect(c.state).to.equal('closed');
  });
});
