/**
 * compare --layout as text: device x build, counting the machine types each
 * build shows the same as the reference, differently, or not at all; then
 * every difference, field by field, with both values (and the commit of a
 * known layout break).
 */
import type { LayoutCell, LayoutComparison } from '../matrix/layout-comparison.js';

export function layoutText(c: LayoutComparison): string {
  const devices = [...new Set(c.rows.map((r) => r.device))];
  const tally = (device: string, build: string) => {
    const n = { reference: 0, same: 0, differs: 0, other: 0 };
    for (const r of c.rows) {
      if (r.device !== device) continue;
      const cell = r.cells.get(build)!;
      if (cell.kind === 'reference' || cell.kind === 'same' || cell.kind === 'differs') n[cell.kind]++;
      else n.other++;
    }
    return `${n.same + n.reference} same${n.differs ? `, ${n.differs} DIFFER` : ''}${n.other ? `, ${n.other} n/a` : ''}`;
  };
  const header = ['device', ...c.builds];
  const body = devices.map((d) => [d, ...c.builds.map((b) => tally(d, b))]);
  const widths = header.map((h, i) => Math.max(h.length, ...body.map((r) => r[i]!.length)));
  const line = (cells: string[]) => cells.map((x, i) => x.padEnd(widths[i]!)).join('  ').trimEnd();
  const out = [
    `layout: ${devices.length} MSI-X devices x ${c.machineTypes.length} versioned machine types shared by two or more builds x ${c.builds.length} builds; each against the build of the release the machine type is named after, else the oldest`,
    `machine types: ${c.machineTypes.join(' ')}`,
    '',
    line(header),
    ...body.map(line),
  ];
  // One line per difference, with every machine type that shows it (a change usually hits them all).
  const diffs = new Map<string, string[]>();
  for (const r of c.rows) {
    for (const [build, cell] of r.cells) {
      if (cell.kind !== 'differs') continue;
      const key = differenceLine(r.device, r.reference, build, cell);
      (diffs.get(key) ?? diffs.set(key, []).get(key)!).push(r.machineType);
    }
  }
  if (diffs.size) out.push('', ...[...diffs].map(([line, types]) => line.replace('{types}', types.length === 1 ? types[0]! : `${types.length} machine types (${types.join(' ')})`)));
  out.push('', c.failures ? `layout: ${c.failures} difference(s) no known layout break explains` : `layout: every shared machine type shows every device the same${c.known ? ` (but ${c.known} known layout break(s))` : ''}`);
  return out.join('\n');
}

function differenceLine(device: string, reference: string, build: string, cell: Extract<LayoutCell, { kind: 'differs' }>): string {
  const fields = cell.differences.map((d) => `${d.field} ${String(d.reference)} -> ${String(d.other)}`).join('; ');
  const why = cell.known ? ` [known layout break ${cell.known.id}: ${cell.known.title}, ${cell.known.introducedBy} (${cell.known.introducedIn})]` : ' [FAIL]';
  return `${device}, ${reference} -> ${build}: ${fields}${why}, on {types}`;
}
