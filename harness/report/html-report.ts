/**
 * One self-contained HTML page: the builds, the comparison matrix (case x
 * build x kernel, differing rows marked), and for every result the guest
 * view, QEMU's trace-based view and the host view side by side, each
 * observation expected vs observed, mismatches highlighted. No scripts, no
 * external files: it opens from a CI artifact as it is.
 */
import { compare, type Cell, type Comparison } from '../matrix/comparison.js';
import type { Observation } from '../results/observation.js';
import { combinationKey, combinationOf } from '../results/combination.js';
import type { CaseResult, RunReport } from '../results/run-report.js';

const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
const show = (v: unknown) => esc(JSON.stringify(v) ?? 'undefined');
const anchor = (r: CaseResult) => `r-${combinationKey(combinationOf(r))}`.replace(/[^A-Za-z0-9_-]/g, '_');
const VIEWS = [
  ['guest', 'guest view'],
  ['qemu', 'QEMU (trace events, stderr)'],
  ['host', 'host view'],
] as const;

const CSS = `
body{font:14px/1.4 system-ui,sans-serif;margin:1.5em;color:#222}
h1{font-size:1.4em}h2{font-size:1.15em;margin-top:1.6em}
table{border-collapse:collapse}td,th{border:1px solid #ccc;padding:3px 6px;vertical-align:top;text-align:left}
th{background:#f3f3f3}
.passed{background:#e6f4e6}.failed{background:#fbe0e0}.error{background:#f7e3c4}.skipped{background:#eee;color:#666}.xfail{background:#ece6f4}.xpass{background:#fff3a8}
tr.differs>td:first-child{border-left:4px solid #d08000}
.cell small{display:block;font-family:monospace;color:#333}
.views{display:grid;grid-template-columns:repeat(3,1fr);gap:8px}
.view h4{margin:.3em 0}.obs{font-family:monospace;font-size:12px}
.obs .bad{background:#f8c8c8;font-weight:bold}.obs .ok{background:#e6f4e6}
details.result{border:1px solid #ccc;margin:6px 0;padding:4px 8px}
details.result.failed>summary{color:#a00;font-weight:bold}
pre{white-space:pre-wrap;background:#f7f7f7;padding:6px;font-size:12px}
`;

function cellHtml(c: Cell | undefined): string {
  if (!c) return '<td>-</td>';
  const seen = c.behaviour.map((b) => `<small title="${esc(b.label)}">${show(b.observed)}</small>`).join('');
  return `<td class="cell ${c.outcome}"><a href="#${anchor(c.result)}">${c.outcome}</a>${seen}</td>`;
}

function matrixHtml(cmp: Comparison): string {
  const head = cmp.columns.map((c) => `<th>QEMU ${esc(c.buildLabel)}<br><small>${esc(c.kernel)}</small></th>`).join('');
  const rows = cmp.rows
    .map((r) => `<tr class="${r.differs ? 'differs' : ''}"><td>${r.differs ? '&#9888; ' : ''}${esc(r.caseId)}<br><small>${esc(r.pins.join(' '))}</small></td>${cmp.columns.map((c) => cellHtml(r.cells.get(c.key))).join('')}</tr>`)
    .join('\n');
  return `<table id="matrix"><tr><th>case (pins)</th>${head}</tr>\n${rows}</table><p><small>&#9888; marks rows whose outcome or observed behaviour differs between columns; under an outcome, the observed values of expectations that differ by version or host.</small></p>`;
}

function observationsHtml(items: readonly Observation[]): string {
  if (!items.length) return '<p><small>nothing compared</small></p>';
  return `<table class="obs"><tr><th>expectation</th><th>expected</th><th>observed</th></tr>${items
    .map((o) => `<tr><td>${esc(o.label)}</td><td>${show(o.expected)}</td><td class="${o.ok ? 'ok' : 'bad'}">${show(o.observed)}</td></tr>`)
    .join('')}</table>`;
}

function resultHtml(r: CaseResult): string {
  const views = VIEWS.map(([v, title]) => `<div class="view"><h4>${title}</h4>${observationsHtml(r.evidence.filter((o) => o.view === v))}</div>`).join('');
  const host = r.hostDevice ? `, host device ${esc(r.hostDevice.bdf)} (${r.hostDevice.noresize ? 'noresize' : 'dyn'})` : '';
  const hint = r.knownBug ? `<p class="hint">${esc(r.knownBug.hint)}</p>` : '';
  const extra = hint + (r.outcome === 'failed' || r.outcome === 'error' || r.outcome === 'xfail' ? `<pre>${esc(r.error?.message ?? '')}</pre>` : r.outcome === 'skipped' ? `<p>skipped: ${esc(r.skipReason ?? '')}</p>` : '');
  return `<details class="result ${r.outcome}" id="${anchor(r)}"${r.outcome === 'failed' || r.outcome === 'error' ? ' open' : ''}><summary>${r.outcome.toUpperCase()} ${esc(r.id)} on QEMU ${esc(r.qemu.label)}, kernel ${esc(r.hostKernel)}${host} (${r.durationMs} ms)</summary><p>${esc(r.title)}. Pins: ${esc(r.pins.join(', '))}</p>${extra}<div class="views">${views}</div></details>`;
}

export function toHtml(report: RunReport, comparison: Comparison = compare(report.cases)): string {
  const traits = (b: (typeof report.builds)[number]) =>
    Object.entries(b.traits ?? {})
      .map(([id, t]) => `<div title="${esc(t.source)}">${esc(id)}: <b>${esc(String(t.value))}</b> <small>(${esc(t.source)})</small></div>`)
      .join('');
  const builds = report.builds.map((b) => `<tr><td>${esc(b.label)}</td><td>${esc(b.package)}</td><td>${esc(b.accel)}</td><td>${esc(b.libraries ?? '')}</td><td>${traits(b)}</td><td><code>${esc(b.path)}</code></td><td><code>${esc(b.sha256.slice(0, 16))}</code></td></tr>`).join('');
  const s = report.summary;
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>msix-harness report</title><style>${CSS}</style></head>
<body>
<h1>msix-harness report</h1>
<p id="summary">${s.passed} passed, ${s.failed} failed, ${s.error ?? 0} error, ${s.skipped} skipped, ${s.xfail ?? 0} xfail, ${s.xpass ?? 0} xpass; started ${esc(report.startedAt)}, ${Math.round(report.durationMs / 1000)} s; ${esc(report.tool.name)} ${esc(report.tool.version)}; host kernel ${esc(report.host.kernel)}, ${report.host.cpus} CPUs</p>
<h2>Builds</h2><table><tr><th>build</th><th>package</th><th>accel</th><th>started with</th><th>traits (and where each came from)</th><th>binary</th><th>sha256</th></tr>${builds}</table>
<h2>Comparison</h2>${matrixHtml(comparison)}
<h2>Results</h2>
${report.cases.map(resultHtml).join('\n')}
</body></html>
`;
}
