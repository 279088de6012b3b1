/** The live run page: one self-contained document, no outside resources. */

import { esc, pageHead } from './page-head.js';

export function livePage(title: string): string {
  return `${pageHead(`msix-harness live: ${title}`)}
td.passed { background: #dff3df; } td.failed, td.error { background: #fbe0e0; } td.skipped { background: #eee; }
td.xfail { background: #fff2cc; } td.xpass { background: #e0e8fb; }
#log, #steps { max-height: 14em; overflow: auto; font-family: monospace; font-size: 12px; border: 1px solid #ddd; padding: 4px; }
.evidence { font-family: monospace; font-size: 12px; } .bad { color: #b00; }
</style></head>
<body>
<h1>msix-harness live: ${esc(title)}</h1>
<div id="status" data-testid="status">connecting...</div>
<h2>Matrix (case by build)</h2>
<table id="matrix" data-testid="matrix"><thead><tr><th>case</th></tr></thead><tbody></tbody></table>
<h2>Bisect steps</h2><div id="steps" data-testid="steps"></div>
<h2>Last results, with their evidence</h2><div id="results" data-testid="results"></div>
<h2>Progress</h2><div id="log"></div>
<script>
const token = new URLSearchParams(location.search).get('token');
const ws = new WebSocket('ws://' + location.host + '/ws?token=' + token);
const status = document.getElementById('status');
const builds = [];
let count = 0;
ws.onopen = () => { status.textContent = 'running'; };
ws.onclose = () => { if (!status.dataset.done) status.textContent = 'disconnected'; };
function line(box, text) { const d = document.createElement('div'); d.textContent = text; box.appendChild(d); box.scrollTop = box.scrollHeight; }
function cell(r) {
  const table = document.getElementById('matrix');
  const build = r.qemu.label + (r.migratedTo ? ' -> ' + r.migratedTo.label : '') + (r.hostKernel ? ' / ' + r.hostKernel : '');
  let col = builds.indexOf(build);
  if (col < 0) {
    builds.push(build); col = builds.length - 1;
    const th = document.createElement('th'); th.textContent = build; table.tHead.rows[0].appendChild(th);
    for (const row of table.tBodies[0].rows) row.appendChild(document.createElement('td'));
  }
  let row = [...table.tBodies[0].rows].find((x) => x.dataset.id === r.id);
  if (!row) {
    row = table.tBodies[0].insertRow(); row.dataset.id = r.id;
    row.insertCell().textContent = r.id;
    for (let i = 0; i < builds.length; i++) row.insertCell();
  }
  const td = row.cells[col + 1]; td.textContent = r.outcome; td.className = r.outcome;
}
function evidence(r) {
  const d = document.createElement('details'); d.dataset.id = r.id;
  const s = document.createElement('summary'); s.textContent = r.outcome + ' ' + r.id + ' [' + r.qemu.label + '] (' + r.durationMs + ' ms)'; d.appendChild(s);
  for (const o of r.evidence) { const p = document.createElement('div'); p.className = 'evidence' + (o.ok === false ? ' bad' : ''); p.textContent = (o.view || '') + ' ' + o.label + ': ' + JSON.stringify(o.observed); d.appendChild(p); }
  if (r.skipReason) { const p = document.createElement('div'); p.textContent = 'skipped: ' + r.skipReason; d.appendChild(p); }
  if (r.error) { const p = document.createElement('div'); p.className = 'bad'; p.textContent = r.error.message; d.appendChild(p); }
  const box = document.getElementById('results'); box.insertBefore(d, box.firstChild);
}
ws.onmessage = (m) => {
  const e = JSON.parse(m.data);
  if (e.type === 'result') { cell(e.result); evidence(e.result); status.textContent = 'running: ' + (++count) + ' results'; }
  if (e.type === 'progress') line(document.getElementById('log'), e.line);
  if (e.type === 'step') line(document.getElementById('steps'), e.line);
  if (e.type === 'done') { status.dataset.done = '1'; status.textContent = 'done: ' + e.summary; }
};
</script>
</body></html>
`;
}
