/**
 * A page and its WebSocket on 127.0.0.1 only, both behind a random token in
 * the URL; the WebSocket also checks that it is opened from the page's own
 * Origin. What the page sends comes to the caller as parsed JSON, never as
 * text to run. Shared by the inspector and the live run pages.
 */
import http from 'node:http';
import { randomBytes, timingSafeEqual } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { WebSocketServer, type WebSocket } from 'ws';

export interface Download {
  readonly type: string;
  readonly body: string;
  /** Offered as a download under this name. */
  readonly name?: string;
}

export interface PageServerOptions {
  readonly html: () => string;
  /** Other paths (with the token), e.g. /timeline.json. */
  readonly downloads?: Readonly<Record<string, () => Download>>;
  readonly port?: number;
  /**
   * The address to listen on instead of 127.0.0.1: only the box's own NIC,
   * which nothing reaches but the outer QEMU's forward from 127.0.0.1 here
   * (same port), so the page's origin is still http://127.0.0.1:PORT.
   */
  readonly address?: string;
  /** A page connected: `send` talks to it alone. */
  readonly onConnect?: (send: (msg: unknown) => void) => void;
  /** A message from a page, parsed; `send` answers it. */
  readonly onMessage?: (msg: unknown, send: (msg: unknown) => void) => void;
}

export interface PageServer {
  readonly url: string;
  broadcast(msg: unknown): void;
  readonly clients: number;
  close(): Promise<void>;
}

export async function servePage(o: PageServerOptions): Promise<PageServer> {
  const token = randomBytes(16).toString('hex');
  const tokenOk = (given: string | null) => given !== null && given.length === token.length && timingSafeEqual(Buffer.from(given), Buffer.from(token));
  let origin = '';
  const server = http.createServer((req, res) => {
    const u = new URL(req.url ?? '/', 'http://127.0.0.1');
    if (!tokenOk(u.searchParams.get('token'))) {
      res.writeHead(403, { 'content-type': 'text/plain' }).end('wrong or missing token: use the URL msix-harness printed\n');
      return;
    }
    const d: Download | undefined = u.pathname === '/' ? { type: 'text/html; charset=utf-8', body: o.html() } : o.downloads?.[u.pathname]?.();
    if (!d) {
      res.writeHead(404).end();
      return;
    }
    res.writeHead(200, { 'content-type': d.type, 'cache-control': 'no-store', ...(d.name ? { 'content-disposition': `attachment; filename="${d.name}"` } : {}) }).end(d.body);
  });
  const wss = new WebSocketServer({
    server,
    path: '/ws',
    verifyClient: ({ origin: from, req }: { origin: string; req: http.IncomingMessage }) => from === origin && tokenOk(new URL(req.url ?? '/', 'http://127.0.0.1').searchParams.get('token')),
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(o.port ?? 0, o.address ?? '127.0.0.1', () => resolve());
  });
  origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const clients = new Set<WebSocket>();
  wss.on('connection', (ws) => {
    clients.add(ws);
    ws.on('close', () => clients.delete(ws));
    const send = (msg: unknown) => ws.send(JSON.stringify(msg));
    o.onConnect?.(send);
    ws.on('message', (data) => {
      let msg: unknown;
      try {
        msg = JSON.parse(String(data));
      } catch {
        send({ type: 'error', error: 'not JSON' });
        return;
      }
      o.onMessage?.(msg, send);
    });
  });
  return {
    url: `${origin}/?token=${token}`,
    broadcast(msg) {
      const text = JSON.stringify(msg);
      for (const c of clients) c.send(text);
    },
    get clients() {
      return clients.size;
    },
    async close() {
      for (const c of clients) c.terminate();
      wss.close();
      await new Promise<void>((r) => server.close(() => r()));
    },
  };
}
