/**
 * The layering, checked from the sources: every import between folders must
 * be in ALLOWED (no exceptions), the table itself has no cycle, the library
 * never imports the suites and never starts the CLI. A new folder must be
 * added here, with what it may use.
 */
import { expect } from 'chai';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');

/** Folder -> the folders it may import. "harness" is the files at harness/'s top (errors, timeline). */
const ALLOWED: Record<string, readonly string[]> = {
  harness: [],
  'harness/cache': ['harness'],
  'harness/protocol': ['harness'],
  'harness/expect': ['harness', 'harness/protocol'],
  'harness/debian': ['harness', 'harness/cache'],
  'harness/janitor': ['harness'],
  'harness/qemu': ['harness', 'harness/cache', 'harness/janitor', 'harness/protocol'],
  'harness/builds': ['harness', 'harness/cache', 'harness/debian', 'harness/expect', 'harness/protocol', 'harness/qemu'],
  'harness/regressions': ['harness', 'harness/builds', 'harness/cache', 'harness/debian'],
  'harness/pci': ['harness', 'harness/protocol'],
  'harness/irq': ['harness', 'harness/pci', 'harness/protocol'],
  'harness/devices': ['harness', 'harness/irq', 'harness/pci', 'harness/protocol'],
  'harness/host': ['harness', 'harness/janitor', 'harness/pci'],
  'harness/box': ['harness', 'harness/builds', 'harness/cache', 'harness/debian', 'harness/protocol', 'harness/qemu'],
  'harness/results': ['harness', 'harness/expect'],
  'harness/matrix': ['harness', 'harness/results'],
  'harness/runner': ['harness', 'harness/box', 'harness/builds', 'harness/devices', 'harness/expect', 'harness/host', 'harness/irq', 'harness/pci', 'harness/protocol', 'harness/qemu', 'harness/results'],
  'harness/inspect': ['harness', 'harness/box', 'harness/builds', 'harness/devices', 'harness/results', 'harness/runner'],
  'harness/report': ['harness', 'harness/expect', 'harness/matrix', 'harness/results'],
  'harness/bisect': ['harness', 'harness/builds', 'harness/cache', 'harness/results', 'harness/runner'],
  'harness/cli': ['harness', 'harness/bisect', 'harness/box', 'harness/builds', 'harness/cache', 'harness/debian', 'harness/devices', 'harness/expect', 'harness/host', 'harness/inspect', 'harness/janitor', 'harness/matrix', 'harness/qemu', 'harness/regressions', 'harness/report', 'harness/results', 'harness/runner'],
  suites: ['harness', 'harness/expect', 'harness/runner'],
  bin: ['harness/cli', 'suites'],
};

function tsFiles(dir: string): string[] {
  return fs.readdirSync(path.join(ROOT, dir), { withFileTypes: true }).flatMap((e) => {
    const rel = path.join(dir, e.name);
    if (e.isDirectory()) return tsFiles(rel);
    return e.name.endsWith('.ts') ? [rel] : [];
  });
}

/** The folder a file belongs to in ALLOWED: harness/<top>/..., suites/..., bin/..., or harness itself. */
function folderOf(file: string): string {
  const parts = file.split(path.sep);
  if (parts[0] !== 'harness') return parts[0]!;
  return parts.length > 2 ? `harness/${parts[1]}` : 'harness';
}

/** Relative module specifiers a file imports or re-exports (static and dynamic with a literal). */
function importsOf(file: string): string[] {
  const text = fs.readFileSync(path.join(ROOT, file), 'utf8');
  const re = /(?:\bfrom\s*|\bimport\s*\(\s*|^import\s+)['"](\.{1,2}\/[^'"]+)['"]/gm;
  return [...text.matchAll(re)].map((m) => path.normalize(path.join(path.dirname(file), m[1]!)));
}

const sources = ['harness', 'suites', 'bin'].flatMap(tsFiles);

describe('layers: who may import whom', () => {
  it('every folder is in the table', () => {
    const unknown = [...new Set(sources.map(folderOf))].filter((f) => !(f in ALLOWED));
    expect(unknown, 'add the folder to ALLOWED in test/design/layers.test.ts').to.deep.equal([]);
  });

  it('every import between folders is allowed, with no exception', () => {
    const bad: string[] = [];
    for (const f of sources) {
      const from = folderOf(f);
      for (const target of importsOf(f)) {
        const to = folderOf(target);
        if (to !== from && !ALLOWED[from]!.includes(to)) bad.push(`${f} imports ${target} (${from} -> ${to})`);
      }
    }
    expect(bad).to.deep.equal([]);
  });

  it('the table has no cycle: the folders form layers', () => {
    const seen = new Map<string, 'visiting' | 'done'>();
    const cycle: string[] = [];
    const visit = (f: string, trail: string[]): void => {
      if (seen.get(f) === 'done') return;
      if (seen.get(f) === 'visiting') {
        cycle.push([...trail, f].join(' -> '));
        return;
      }
      seen.set(f, 'visiting');
      for (const g of ALLOWED[f] ?? []) visit(g, [...trail, f]);
      seen.set(f, 'done');
    };
    for (const f of Object.keys(ALLOWED)) visit(f, []);
    expect(cycle).to.deep.equal([]);
  });

  it('the library never names the CLI or the suites: they are handed in', () => {
    const library = sources.filter((f) => f.startsWith(`harness${path.sep}`) && folderOf(f) !== 'harness/cli');
    const naming = library.filter((f) => /['"`][^'"`]*(?:cli\/main|bin\/msix-harness|suites\/)[^'"`]*['"`]/.test(fs.readFileSync(path.join(ROOT, f), 'utf8')));
    expect(naming).to.deep.equal([]);
  });

  it('the check itself can fail: an upward import is caught', () => {
    const from = folderOf(path.join('harness', 'protocol', 'x.ts'));
    const to = folderOf(path.normalize(path.join('harness', 'protocol', '..', 'runner', 'dut.js')));
    expect(ALLOWED[from]!.includes(to)).to.equal(false);
  });
});
