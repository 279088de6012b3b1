/**
 * A scripted peer on a UNIX socket, standing in for QEMU where a test needs
 * replies QEMU would never send (malformed, oversized, none at all).
 */
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { LineChannel } from '../../harness/protocol/line-channel.js';

export interface FakePeer {
  /** The harness-side channel, connected to the fake. */
  readonly channel: LineChannel;
  /** Lines the harness sent so far. */
  readonly received: string[];
  send(text: string): void;
  /** Resolves with the next line the harness sends. */
  nextLine(): Promise<string>;
  end(): void;
  close(): Promise<void>;
}

export async function fakePeer(opts: { encoding?: 'latin1' | 'utf8'; maxLineBytes?: number; name?: string } = {}): Promise<FakePeer> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'msix-harness-test-'));
  const sock = path.join(dir, 'peer.sock');
  const server = net.createServer();
  const serverSide = new Promise<net.Socket>((resolve) => server.once('connection', resolve));
  await new Promise<void>((resolve) => server.listen(sock, resolve));
  const client = net.connect(sock);
  await new Promise((resolve) => client.once('connect', resolve));
  const peer = await serverSide;
  const received: string[] = [];
  const waiters: ((l: string) => void)[] = [];
  let read = 0; // lines of `received` already handed out by nextLine()
  let buf = '';
  peer.setEncoding('utf8');
  peer.on('data', (d: string) => {
    buf += d;
    let i: number;
    while ((i = buf.indexOf('\n')) !== -1) {
      const line = buf.slice(0, i);
      buf = buf.slice(i + 1);
      received.push(line);
      const w = waiters.shift();
      if (w) {
        read++;
        w(line);
      }
    }
  });
  peer.on('error', () => undefined);
  const channel = new LineChannel(client, { name: opts.name ?? 'fake', encoding: opts.encoding ?? 'utf8', ...(opts.maxLineBytes ? { maxLineBytes: opts.maxLineBytes } : {}) });
  return {
    channel,
    received,
    send: (t) => peer.write(t),
    nextLine: () => (read < received.length ? Promise.resolve(received[read++]!) : new Promise((r) => waiters.push(r))),
    end: () => peer.end(),
    close: async () => {
      peer.destroy();
      client.destroy();
      await new Promise((r) => server.close(r));
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}
