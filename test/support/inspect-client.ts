/**
 * A page's side of the inspector without a browser, for places with none
 * (inside the box): `node inspect-client.js URL ACTION[:VECTOR]...` sends
 * each action in turn, as the page does, waits for its step, and prints
 * each step and then the last state as JSON lines.
 */
import WebSocket from 'ws';

const [url, ...actions] = process.argv.slice(2);
if (!url) throw new Error('usage: inspect-client URL ACTION[:VECTOR]...');
const u = new URL(url);
const ws = new WebSocket(`ws://${u.host}/ws?${u.searchParams}`, { origin: u.origin });
let state: unknown;
const waiting = new Map<number, (step: unknown) => void>();
ws.on('message', (d) => {
  const m = JSON.parse(String(d)) as { type: string; id?: number; state?: unknown; step?: unknown; error?: string };
  if (m.type === 'state') state = m.state;
  if (m.type === 'step' || m.type === 'error') waiting.get(m.id!)?.(m.step ?? { error: m.error });
});
await new Promise((resolve, reject) => ws.once('open', resolve).once('error', reject));
for (const [i, a] of actions.entries()) {
  const [action, vector] = a.split(':');
  const step = await new Promise((resolve) => {
    waiting.set(i, resolve);
    ws.send(JSON.stringify({ id: i, action, ...(vector !== undefined ? { vector: Number(vector) } : {}) }));
  });
  console.log(JSON.stringify({ step }));
}
// The state pushed after the last step.
await new Promise((r) => setTimeout(r, 500));
console.log(JSON.stringify({ state }));
ws.close();
