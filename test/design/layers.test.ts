/**
 * The layering, checked from the sources: every import between folders must
 * be in ALLOWED or in a file's own exception (FILE_EXCEPTIONS, in the spirit
 * of Playwright's DEPS.list), the table itself has no cycle, no file takes
 * part in an import cycle (inside a folder too), suites see only the case
 * API's entry, the library never imports the suites and never starts the
 * CLI. A new folder must be added here, with what it may use.
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
  'harness/iommu': ['harness', 'harness/irq', 'harness/protocol'],
  'harness/devices': ['harness', 'harness/irq', 'harness/pci', 'harness/protocol'],
  'harness/host': ['harness', 'harness/janitor', 'harness/pci'],
  'harness/box': ['harness', 'harness/builds', 'harness/cache', 'harness/debian', 'harness/protocol', 'harness/qemu'],
  'harness/results': ['harness', 'harness/expect'],
  'harness/matrix': ['harness', 'harness/expect', 'harness/results'],
  // The case API: what suites are written against (case declarations, the device under test, evidence, the host view).
  'harness/case': ['harness', 'harness/builds', 'harness/devices', 'harness/expect', 'harness/host', 'harness/iommu', 'harness/irq', 'harness/pci', 'harness/protocol', 'harness/qemu', 'harness/results'],
  'harness/runner': ['harness', 'harness/box', 'harness/builds', 'harness/cache', 'harness/case', 'harness/devices', 'harness/expect', 'harness/host', 'harness/irq', 'harness/pci', 'harness/protocol', 'harness/qemu', 'harness/results'],
  'harness/inspect': ['harness', 'harness/box', 'harness/builds', 'harness/case', 'harness/devices', 'harness/results', 'harness/runner'],
  'harness/report': ['harness', 'harness/expect', 'harness/matrix', 'harness/results'],
  'harness/bisect': ['harness', 'harness/builds', 'harness/cache', 'harness/case', 'harness/results', 'harness/runner'],
  'harness/cli': ['harness', 'harness/bisect', 'harness/box', 'harness/builds', 'harness/cache', 'harness/case', 'harness/debian', 'harness/devices', 'harness/expect', 'harness/host', 'harness/inspect', 'harness/janitor', 'harness/matrix', 'harness/qemu', 'harness/regressions', 'harness/report', 'harness/results', 'harness/runner'],
  // Suites are written against the case API alone (and through its entry, harness/case/index.ts: see below).
  suites: ['harness/case'],
  bin: ['harness/cli', 'suites'],
};

/** File -> folders it alone may import beyond its folder's row (none is needed today; a new one says why). */
const FILE_EXCEPTIONS: Record<string, readonly string[]> = {};

/** Folders whose importers from these other folders must come in through one entry file. */
const ENTRIES: Record<string, { readonly entry: string; readonly for: readonly string[] }> = {
  'harness/case': { entry: path.join('harness', 'case', 'index.ts'), for: ['suites'] },
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
  return importsIn(fs.readFileSync(path.join(ROOT, file), 'utf8'), file);
}

function importsIn(text: string, file: string): string[] {
  const re = /(?:\bfrom\s*|\bimport\s*\(\s*|^import\s+)['"](\.{1,2}\/[^'"]+)['"]/gm;
  return [...text.matchAll(re)].map((m) => path.normalize(path.join(path.dirname(file), m[1]!)));
}

/** The source a compiled specifier names (x.js -> x.ts). */
const sourceOf = (target: string) => target.replace(/\.js$/, '.ts');

/** Import cycles between files, each as "a -> b -> a". */
function fileCycles(files: readonly string[], edges: (f: string) => readonly string[]): string[] {
  const state = new Map<string, 'visiting' | 'done'>();
  const cycles: string[] = [];
  const visit = (f: string, trail: string[]): void => {
    if (state.get(f) === 'done') return;
    if (state.get(f) === 'visiting') {
      cycles.push([...trail.slice(trail.indexOf(f)), f].join(' -> '));
      return;
    }
    state.set(f, 'visiting');
    for (const g of edges(f)) visit(g, [...trail, f]);
    state.set(f, 'done');
  };
  for (const f of files) visit(f, []);
  return cycles;
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
        if (to !== from && !ALLOWED[from]!.includes(to) && !(FILE_EXCEPTIONS[f] ?? []).includes(to)) bad.push(`${f} imports ${target} (${from} -> ${to})`);
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

  it('no file is part of an import cycle, inside a folder or across folders', () => {
    const known = new Set(sources);
    const edges = (f: string) => importsOf(f).map(sourceOf).filter((t) => known.has(t));
    expect(fileCycles(sources, edges)).to.deep.equal([]);
  });

  it('suites reach the case API through its entry only', () => {
    const bad: string[] = [];
    for (const f of sources) {
      for (const target of importsOf(f)) {
        const rule = ENTRIES[folderOf(target)];
        if (rule && rule.for.includes(folderOf(f)) && sourceOf(target) !== rule.entry) bad.push(`${f} imports ${target}: use ${rule.entry}`);
      }
    }
    expect(bad).to.deep.equal([]);
  });

  it('the import reader finds imports at all, of every form (static, type, dynamic, re-export, multi-line)', () => {
    const text = [
      "import fs from 'node:fs';",
      "import { a } from './a.js';",
      "import type { B } from '../b/b.js';",
      "export { c } from './c.js';",
      'import {\n  d,\n  e,\n} from "./d.js";',
      "const f = await import('./f.js');",
      "import './side-effect.js';",
    ].join('\n');
    expect(importsIn(text, path.join('harness', 'x', 'y.ts'))).to.deep.equal(['harness/x/a.js', 'harness/b/b.js', 'harness/x/c.js', 'harness/x/d.js', 'harness/x/f.js', 'harness/x/side-effect.js'].map(path.normalize));
    // And on the tree: most files import something, and a file known to import its neighbours is read so.
    expect(sources.filter((f) => importsOf(f).length > 0).length).to.be.greaterThan(sources.length * 0.8);
    expect(importsOf(path.join('harness', 'case', 'case.ts')).map(sourceOf)).to.include(path.join('harness', 'case', 'dut.ts'));
  });

  it('the cycle check can fail: a cycle inside a folder is found', () => {
    const g: Record<string, string[]> = { 'r/a.ts': ['r/b.ts'], 'r/b.ts': ['r/c.ts'], 'r/c.ts': ['r/a.ts'], 'r/d.ts': [] };
    expect(fileCycles(Object.keys(g), (f) => g[f]!)).to.deep.equal(['r/a.ts -> r/b.ts -> r/c.ts -> r/a.ts']);
  });

  it('the check itself can fail: an upward import is caught', () => {
    const from = folderOf(path.join('harness', 'protocol', 'x.ts'));
    const to = folderOf(path.normalize(path.join('harness', 'protocol', '..', 'runner', 'dut.js')));
    expect(ALLOWED[from]!.includes(to)).to.equal(false);
  });
});
