/**
 * The inspector's server (on the shared page server: 127.0.0.1, token,
 * Origin). The page sends actions, checked against the list; the server
 * pushes the state, the step each action made and QEMU's trace events as
 * they arrive, and polls for what changes without an action (deliveries).
 */
import { parseAction, type InspectSession } from './inspect-session.js';
import { inspectorPage } from './inspector-page.js';
import { servePage } from './page-server.js';

export interface InspectServer {
  readonly url: string;
  close(): Promise<void>;
}

const POLL_MS = 200;

export async function serveInspector(session: InspectSession, o: { port?: number; address?: string; title: string }): Promise<InspectServer> {
  let lastState = '';
  const push = (state: unknown) => {
    const s = JSON.stringify(state);
    if (s !== lastState) page.broadcast({ type: 'state', state });
    lastState = s;
    const traces = session.newTraces();
    if (traces.length) page.broadcast({ type: 'traces', traces });
  };
  const page = await servePage({
    html: () => inspectorPage(o.title, session.vectors, session.host !== undefined),
    downloads: {
      '/timeline.json': () => ({ type: 'application/json', body: JSON.stringify(session.timeline(), null, 2) + '\n', name: 'msix-inspector-timeline.json' }),
      '/case.ts': () => ({ type: 'text/plain; charset=utf-8', body: session.caseSkeleton(), name: 'msix-inspector-case.ts' }),
    },
    ...(o.port !== undefined ? { port: o.port } : {}),
    ...(o.address !== undefined ? { address: o.address } : {}),
    onConnect: (send) => void session.poll().then((state) => send({ type: 'state', state })),
    onMessage: (msg, send) => {
      const id = (msg as { id?: unknown } | null)?.id;
      try {
        const a = parseAction(msg, session.vectors);
        void session.act(a).then(
          ({ state, step }) => {
            send({ type: 'step', id, step });
            push(state);
          },
          (e: unknown) => send({ type: 'error', id, error: (e as Error).message }),
        );
      } catch (e) {
        send({ type: 'error', id, error: (e as Error).message });
      }
    },
  });
  const timer = setInterval(() => {
    if (page.clients) void session.poll().then(push, () => undefined);
  }, POLL_MS);
  return {
    url: page.url,
    close: async () => {
      clearInterval(timer);
      await page.close();
    },
  };
}
