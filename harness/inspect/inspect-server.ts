/**
 * The inspector's server: the page and a WebSocket on 127.0.0.1 only,
 * both behind a random token in the URL; the WebSocket also checks the
 * page's Origin. The page sends actions (checked against the list, never
 * turned into a command line); the server pushes the state, the step each
 * action made and QEMU's trace events as they arrive.
 */
import http from 'node:http';
import { randomBytes, timingSafeEqual } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { WebSocketServer, type WebSocket } from 'ws';
import { parseAction, type InspectSession } from './inspect-session.js';
import { inspectorPage } from './inspector-page.js';

export interface InspectServer {
  readonly url: string;
  close(): Promise<void>;
}

const POLL_MS = 200;

export async function serveInspector(session: InspectSession, o: { port?: number; title: string }): Promise<InspectServer> {
  const token = randomBytes(16).toString('hex');
  const tokenOk = (given: string | null) => given !== null && given.length === token.length && timingSafeEqual(Buffer.from(given), Buffer.from(token));
  let origin = '';
  const server = http.createServer((req, res) => {
    const u = new URL(req.url ?? '/', 'http://127.0.0.1');
    if (!tokenOk(u.searchParams.get('token'))) {
      res.writeHead(403, { 'content-type': 'text/plain' }).end('wrong or missing token: use the URL msix-harness inspect printed\n');
      return;
    }
    const send = (type: string, body: string, name?: string) =>
      res.writeHead(200, { 'content-type': type, 'cache-control': 'no-store', ...(name ? { 'content-disposition': `attachment; filename="${name}"` } : {}) }).end(body);
    if (u.pathname === '/') return send('text/html; charset=utf-8', inspectorPage(o.title, session.vectors));
    if (u.pathname === '/timeline.json') return send('application/json', JSON.stringify(session.timeline(), null, 2) + '\n', 'msix-inspector-timeline.json');
    if (u.pathname === '/case.ts') return send('text/plain; charset=utf-8', session.caseSkeleton(), 'msix-inspector-case.ts');
    res.writeHead(404).end();
  });
  const wss = new WebSocketServer({
    server,
    path: '/ws',
    verifyClient: ({ origin: from, req }: { origin: string; req: http.IncomingMessage }) => from === origin && tokenOk(new URL(req.url ?? '/', 'http://127.0.0.1').searchParams.get('token')),
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(o.port ?? 0, '127.0.0.1', () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  origin = `http://127.0.0.1:${port}`;

  const clients = new Set<WebSocket>();
  const broadcast = (msg: unknown) => {
    const text = JSON.stringify(msg);
    for (const c of clients) c.send(text);
  };
  let lastState = '';
  const push = (state: unknown) => {
    const s = JSON.stringify(state);
    if (s !== lastState) broadcast({ type: 'state', state });
    lastState = s;
    const traces = session.newTraces();
    if (traces.length) broadcast({ type: 'traces', traces });
  };
  wss.on('connection', (ws) => {
    clients.add(ws);
    ws.on('close', () => clients.delete(ws));
    void session.poll().then((state) => ws.send(JSON.stringify({ type: 'state', state })));
    ws.on('message', (data) => {
      let id: unknown;
      try {
        const msg = JSON.parse(String(data)) as { id?: unknown };
        id = msg.id;
        const a = parseAction(msg, session.vectors);
        void session.act(a).then(
          ({ state, step }) => {
            ws.send(JSON.stringify({ type: 'step', id, step }));
            push(state);
          },
          (e: unknown) => ws.send(JSON.stringify({ type: 'error', id, error: (e as Error).message })),
        );
      } catch (e) {
        ws.send(JSON.stringify({ type: 'error', id, error: (e as Error).message }));
      }
    });
  });
  const timer = setInterval(() => {
    if (clients.size) void session.poll().then(push, () => undefined);
  }, POLL_MS);
  return {
    url: `${origin}/?token=${token}`,
    close: async () => {
      clearInterval(timer);
      for (const c of clients) c.terminate();
      wss.close();
      await new Promise<void>((r) => server.close(() => r()));
    },
  };
}
