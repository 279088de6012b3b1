/** The behaviour catalog lives in the project: every id a case may pin is described in docs/, and every case pins ids of it. */
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect } from 'chai';
import { CATALOG } from '../../harness/expect/catalog.js';
import { suites } from '../../suites/index.js';

const DOC = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../docs/msix-behaviour-catalog.md');

describe('behaviour catalog (docs/msix-behaviour-catalog.md)', () => {
  it('describes every id the code knows, in its table', () => {
    const text = fs.readFileSync(DOC, 'utf8');
    const missing = Object.keys(CATALOG).filter((id) => !new RegExp(`^\\| ${id} \\|`, 'm').test(text));
    expect(missing).to.deep.equal([]);
  });

  it('every case pins at least one catalog id', () => {
    const none = suites.flatMap((s) => s.cases.filter((c) => c.pins.length === 0 || c.pins.some((p) => !(p in CATALOG))).map((c) => `${s.name}.${c.slug}`));
    expect(none).to.deep.equal([]);
  });
});
