/** The inspector's page: one self-contained document, no outside resources. */

import { esc, pageHead } from './page-head.js';

/** `host`: the device is passed through, and the page shows the host's side too. */
export function inspectorPage(title: string, vectors: number, host: boolean): string {
  const options = Array.from({ length: vectors }, (_, v) => `<option value="${v}">${v}</option>`).join('');
  return `${pageHead(`msix-harness inspect: ${title}`)}
.changed { background: #ffe58a; transition: background 0s; }
.flag { display: inline-block; padding: 2px 8px; margin-right: 8px; border: 1px solid #ccc; font-family: monospace; }
button { margin: 2px; } #status { color: #666; } .error { color: #b00; }
#traces, #timeline { max-height: 16em; overflow: auto; font-family: monospace; font-size: 12px; border: 1px solid #ddd; padding: 4px; }
</style></head>
<body>
<h1>msix-harness inspect: ${esc(title)}</h1>
<div id="status">connecting...</div>
<h2>MSI-X capability</h2>
<span class="flag" data-testid="enable">Enable: ?</span><span class="flag" data-testid="function-mask">Function Mask: ?</span>
<div>
  <button data-action="enable">Enable</button><button data-action="disable">Disable</button>
  <button data-action="function-mask">Function Mask</button><button data-action="function-unmask">Function Unmask</button>
  <button data-action="system-reset">system_reset</button>
</div>
<div>vector <select id="vector">${options}</select>
  <button data-action="route" data-vector>Route to its mailbox</button><button data-action="mask" data-vector>Mask</button>
  <button data-action="unmask" data-vector>Unmask</button><button data-action="fire" data-vector>Fire</button>
</div>
<h2>Table, PBA and deliveries</h2>
<table><thead><tr><th>vector</th><th>address</th><th>data</th><th>masked</th><th>pending (PBA)</th><th>deliveries</th></tr></thead>
<tbody id="entries"></tbody></table>
${
  host
    ? `<h2>Host (the physical device, as the host kernel has it)</h2>
<span class="flag" data-testid="host-enable">physical Enable: ?</span><span class="flag" data-testid="host-function-mask">physical Function Mask: ?</span>
<div>msi_irqs: <span data-testid="host-msi-irqs">?</span></div>
<table><thead><tr><th>IRQ</th><th>/proc/interrupts line</th><th>count</th></tr></thead>
<tbody id="host-lines"></tbody></table>`
    : ''
}
<h2>Timeline</h2>
<div><a id="save-json">save as JSON</a> · <a id="save-case">save as a case</a></div>
<div id="timeline" data-testid="timeline"></div>
<h2>QEMU trace events</h2>
<div id="traces" data-testid="traces"></div>
<script>
const token = new URLSearchParams(location.search).get('token');
document.getElementById('save-json').href = '/timeline.json?token=' + token;
document.getElementById('save-case').href = '/case.ts?token=' + token;
const ws = new WebSocket('ws://' + location.host + '/ws?token=' + token);
const status = document.getElementById('status');
let next = 1;
ws.onopen = () => { status.textContent = 'connected'; };
ws.onclose = () => { status.textContent = 'disconnected (QEMU or the inspector stopped)'; };
function set(el, text) {
  if (el.textContent === text) return;
  const first = el.textContent === '' || el.textContent.endsWith('?');
  el.textContent = text;
  if (first) return;
  el.classList.add('changed');
  clearTimeout(el._t); el._t = setTimeout(() => el.classList.remove('changed'), 1500);
}
function render(s) {
  set(document.querySelector('[data-testid=enable]'), 'Enable: ' + (s.enabled ? 1 : 0));
  set(document.querySelector('[data-testid=function-mask]'), 'Function Mask: ' + (s.functionMasked ? 1 : 0));
  const body = document.getElementById('entries');
  s.entries.forEach((e, v) => {
    let row = body.querySelector('[data-vector="' + v + '"]');
    if (!row) {
      row = document.createElement('tr'); row.dataset.vector = v;
      for (let i = 0; i < 6; i++) row.appendChild(document.createElement('td'));
      body.appendChild(row);
    }
    const cells = row.children;
    set(cells[0], String(v)); set(cells[1], e.address); set(cells[2], e.data); set(cells[3], e.masked ? 'masked' : 'unmasked');
    set(cells[4], s.pending.includes(v) ? 'pending' : '-'); set(cells[5], String(s.deliveries[v]));
    cells[5].dataset.testid = 'deliveries-' + v;
  });
  if (s.host) renderHost(s.host);
}
function renderHost(h) {
  set(document.querySelector('[data-testid=host-enable]'), 'physical Enable: ' + (h.enabled ? 1 : 0));
  set(document.querySelector('[data-testid=host-function-mask]'), 'physical Function Mask: ' + (h.functionMasked ? 1 : 0));
  set(document.querySelector('[data-testid=host-msi-irqs]'), h.msiIrqs.join(' ') || 'none');
  const body = document.getElementById('host-lines');
  const names = new Set(h.lines.map((l) => l.name));
  for (const row of [...body.children]) if (!names.has(row.dataset.name)) row.remove();
  h.lines.forEach((l) => {
    let row = [...body.children].find((r) => r.dataset.name === l.name);
    if (!row) {
      row = document.createElement('tr'); row.dataset.name = l.name;
      for (let i = 0; i < 3; i++) row.appendChild(document.createElement('td'));
      row.children[2].dataset.testid = 'host-count-' + l.kind + (l.vector !== undefined ? '-' + l.vector : '');
      body.appendChild(row);
    }
    set(row.children[0], String(l.irq)); set(row.children[1], l.name); set(row.children[2], String(l.total));
  });
}
function line(box, text, cls) {
  const d = document.createElement('div'); d.textContent = text; if (cls) d.className = cls;
  box.appendChild(d); box.scrollTop = box.scrollHeight;
}
ws.onmessage = (m) => {
  const msg = JSON.parse(m.data);
  if (msg.type === 'state') render(msg.state);
  if (msg.type === 'traces') msg.traces.forEach((t) => line(document.getElementById('traces'), t.name + ' ' + t.args));
  if (msg.type === 'step') {
    const a = msg.step.action;
    line(document.getElementById('timeline'), a.action + (a.vector !== undefined ? ' ' + a.vector : '') + ': ' + (msg.step.error ? 'error: ' + msg.step.error : (msg.step.changed.join('; ') || 'no change')), msg.step.error ? 'error' : '');
  }
  if (msg.type === 'error') line(document.getElementById('timeline'), 'refused: ' + msg.error, 'error');
};
document.querySelectorAll('button[data-action]').forEach((b) => b.addEventListener('click', () => {
  const req = { id: next++, action: b.dataset.action };
  if (b.hasAttribute('data-vector')) req.vector = Number(document.getElementById('vector').value);
  ws.send(JSON.stringify(req));
}));
</script>
</body></html>
`;
}
