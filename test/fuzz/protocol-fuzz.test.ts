/**
 * The qtest and QMP clients against random and hostile byte streams
 * (property-based, fast-check): replies split and merged at any byte,
 * asynchronous lines in between, invalid UTF-8, garbage, oversized lines,
 * replies after close. Every run ends in the correct replies or a typed
 * HarnessError, within its timeout, with nothing left open.
 */
import { expect } from 'chai';
import fc from 'fast-check';
import { HarnessError } from '../../harness/errors.js';
import { QmpClient } from '../../harness/protocol/qmp-client.js';
import { QtestClient } from '../../harness/protocol/qtest-client.js';
import * as ops from '../../harness/protocol/qtest-ops.js';
import { Timeline } from '../../harness/timeline.js';
import { fakePeer, type FakePeer } from '../support/fake-peer.js';

const RUNS = 40;
const TIMEOUT_MS = 300;

/** Send `text` cut at the given points, one write per piece, each on its own turn of the event loop. */
async function sendInPieces(peer: FakePeer, text: Buffer, cuts: number[]): Promise<void> {
  const at = [...new Set(cuts.map((c) => c % (text.length + 1)))].sort((a, b) => a - b);
  let from = 0;
  for (const c of [...at, text.length]) {
    if (c > from) peer.send(text.subarray(from, c) as unknown as string);
    from = c;
    await new Promise((r) => setImmediate(r));
  }
}

/** Settles within `ms` (the client's own timeout plus a margin), or the property fails as a hang. */
function settlesWithin<T>(p: Promise<T>, ms: number): Promise<{ ok: true; value: T } | { ok: false; error: unknown }> {
  return Promise.race([
    p.then((value) => ({ ok: true as const, value }), (error: unknown) => ({ ok: false as const, error })),
    new Promise<never>((_, reject) => setTimeout(() => reject(new Error(`no settlement within ${ms} ms: a hang`)), ms)),
  ]);
}

const irqLine = fc.tuple(fc.constantFrom('raise', 'lower'), fc.integer({ min: 0, max: 255 })).map(([l, n]) => `IRQ ${l} ${n}\n`);

describe('protocol fuzzing (fast-check)', function () {
  this.timeout(120_000);

  it('qtest: replies cut at any byte, IRQ lines between them: every reply, in order', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(fc.integer({ min: 0, max: 0xffffffff }), { minLength: 1, maxLength: 12 }), fc.array(fc.nat(), { maxLength: 20 }), fc.array(irqLine, { maxLength: 5 }), async (values, cuts, irqs) => {
        const peer = await fakePeer({ encoding: 'latin1', name: 'qtest' });
        try {
          const qt = new QtestClient(peer.channel, { log: new Timeline(32), timeoutMs: 2000 });
          const p = qt.pipeline(values.map((_, i) => ops.readl(0x1000 + i * 4)));
          for (let i = 0; i < values.length; i++) await peer.nextLine();
          const replies = values.map((v, i) => `${irqs[i] ?? ''}OK 0x${v.toString(16).padStart(16, '0')}\n`).join('');
          await sendInPieces(peer, Buffer.from(replies, 'latin1'), cuts);
          const r = await settlesWithin(p, 3000);
          expect(r).to.deep.equal({ ok: true, value: values });
          expect(qt.state).to.equal('open');
          qt.close('property done');
        } finally {
          await peer.close();
        }
      }),
      { numRuns: RUNS },
    );
  });

  it('qtest: any bytes as the reply (invalid UTF-8, garbage, no newline): a typed error or a reply, never a hang', async () => {
    await fc.assert(
      fc.asyncProperty(fc.uint8Array({ maxLength: 200 }), fc.array(fc.nat(), { maxLength: 8 }), async (bytes, cuts) => {
        const peer = await fakePeer({ encoding: 'latin1', name: 'qtest', maxLineBytes: 64 });
        try {
          const qt = new QtestClient(peer.channel, { log: new Timeline(32), timeoutMs: TIMEOUT_MS });
          const settled = settlesWithin(qt.readl(0x1000), TIMEOUT_MS + 1000);
          await peer.nextLine();
          await sendInPieces(peer, Buffer.from(bytes), cuts);
          const r = await settled;
          if (!r.ok) expect(r.error, String(r.error)).to.be.instanceOf(HarnessError);
          else expect(r.value).to.be.a('number');
          qt.close('property done');
          // A reply after close changes nothing and throws nothing.
          peer.send('OK 0x1\n');
          expect(['closing', 'closed', 'failed']).to.include(qt.state);
        } finally {
          await peer.close();
        }
      }),
      { numRuns: RUNS },
    );
  });

  it('QMP: the greeting and replies cut at any byte, events between them: the right return values', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(fc.jsonValue({ maxDepth: 2 }), { minLength: 1, maxLength: 5 }), fc.array(fc.nat(), { maxLength: 20 }), fc.array(fc.constantFrom('RESET', 'STOP', 'NIC_RX_FILTER_CHANGED'), { maxLength: 4 }), async (returns, cuts, events) => {
        const peer = await fakePeer({ name: 'qmp' });
        try {
          const c = QmpClient.connect(peer.channel, { log: new Timeline(32), timeoutMs: 2000 });
          peer.send(JSON.stringify({ QMP: { version: { qemu: { major: 11, minor: 1, micro: 3 }, package: '' }, capabilities: [] } }) + '\n');
          const neg = JSON.parse(await peer.nextLine()) as { id: string };
          peer.send(JSON.stringify({ return: {}, id: neg.id }) + '\n');
          const qmp = await c;
          const pending = returns.map((_, i) => qmp.execute(`cmd-${i}`));
          const ids: string[] = [];
          for (let i = 0; i < returns.length; i++) ids.push((JSON.parse(await peer.nextLine()) as { id: string }).id);
          // Replies in reverse order: QMP routes them by id, not by position.
          const text = ids
            .map((id, i) => `${events[i] ? JSON.stringify({ event: events[i], data: {}, timestamp: { seconds: 1, microseconds: 2 } }) + '\n' : ''}${JSON.stringify({ return: returns[i], id })}\n`)
            .reverse()
            .join('');
          await sendInPieces(peer, Buffer.from(text, 'utf8'), cuts);
          const got = await settlesWithin(Promise.all(pending), 3000);
          expect(got).to.deep.equal({ ok: true, value: JSON.parse(JSON.stringify(returns)) });
          qmp.close('property done');
        } finally {
          await peer.close();
        }
      }),
      { numRuns: RUNS },
    );
  });

  it('QMP: any lines as replies, or a stream cut short: a typed error or a reply, never a hang', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(fc.oneof(fc.string({ maxLength: 80 }), fc.jsonValue({ maxDepth: 2 }).map((v) => JSON.stringify(v))), { maxLength: 6 }), fc.boolean(), async (lines, hangUp) => {
        const peer = await fakePeer({ name: 'qmp', maxLineBytes: 4096 });
        try {
          const settled = settlesWithin(QmpClient.connect(peer.channel, { log: new Timeline(32), timeoutMs: TIMEOUT_MS, handshakeTimeoutMs: TIMEOUT_MS }), TIMEOUT_MS + 1000);
          peer.send(lines.map((l) => l.replace(/\n/g, ' ') + '\n').join(''));
          if (hangUp) peer.end();
          const r = await settled;
          if (!r.ok) expect(r.error, String(r.error)).to.be.instanceOf(HarnessError);
          else r.value.close('property done');
        } finally {
          await peer.close();
        }
      }),
      { numRuns: RUNS },
    );
  });
});
