/**
 * The known-bug registry is tied to the suites: every case it names exists
 * (suite and slug), and every symptom label it looks for is a shared
 * constant that the named case records. Renaming a case or rewording a
 * label without the registry fails here, not silently in a run.
 */
import { expect } from 'chai';
import fs from 'node:fs/promises';
import { KNOWN_BUGS, type KnownBug } from '../../harness/expect/known-bugs.js';
import { SYMPTOMS } from '../../harness/expect/symptoms.js';
import type { SuiteSpec } from '../../harness/case/case.js';
import { suites } from '../../suites/index.js';
import { devicePlugins } from '../../harness/devices/index.js';

function problems(bugs: readonly KnownBug[], available: readonly SuiteSpec[]): string[] {
  const out: string[] = [];
  for (const bug of bugs) {
    for (const ref of bug.cases) {
      const c = available.find((s) => s.name === ref.suite)?.cases.find((x) => x.slug === ref.slug);
      if (!c) {
        out.push(`${bug.id}: no case ${ref.suite}.*.${ref.slug}`);
        continue;
      }
      if (ref.device !== undefined && !devicePlugins.some((p) => p.name === ref.device)) out.push(`${bug.id}: no device plugin ${ref.device}`);
      if (!bug.symptom) continue;
      const key = Object.entries(SYMPTOMS).find(([, label]) => label === bug.symptom!.label)?.[0];
      if (!key) out.push(`${bug.id}: symptom label "${bug.symptom.label}" is not in SYMPTOMS`);
      else if (!c.body.toString().includes(`SYMPTOMS.${key}`) && !c.records?.includes(bug.symptom.label)) out.push(`${bug.id}: ${ref.suite}.*.${ref.slug} never records SYMPTOMS.${key}`);
    }
  }
  return out;
}

describe('known-bug registry against the suites', () => {
  it('names only cases that exist, and symptoms those cases record', () => {
    expect(problems(KNOWN_BUGS, suites)).to.deep.equal([]);
    // Every bug with a symptom names at least one case to look in.
    for (const b of KNOWN_BUGS) if (b.symptom) expect(b.cases.length, b.id).to.be.greaterThan(0);
  });

  it('the check can fail: a renamed case, a case of the other suite, a reworded label', () => {
    const c14 = KNOWN_BUGS.find((b) => b.id === 'C14')!;
    expect(problems([{ ...c14, cases: [{ suite: 'vfio', slug: 'disable-without-any-vector' }] }], suites)).to.have.length(1);
    // msi-msix-switching exists in both suites; disable-without-vectors only in vfio.
    expect(problems([{ ...c14, cases: [{ suite: 'emulated', slug: 'disable-without-vectors' }] }], suites)).to.have.length(1);
    expect(problems([{ ...c14, symptom: { label: 'physical Enable after disable' as never, observed: true } }], suites)).to.have.length(1);
    expect(problems([{ ...c14, symptom: { label: SYMPTOMS.guestEnableAfterFlr, observed: true } }], suites)[0]).to.match(/never records SYMPTOMS.guestEnableAfterFlr/);
    expect(problems([{ ...c14, cases: [{ suite: 'vfio', slug: 'disable-without-vectors', device: 'e1000' }] }], suites)[0]).to.match(/no device plugin e1000$/);
  });

  it('every open bug (no QEMU has a fix) has its upstream report, docs/upstream/<id>.md, listed in the reports index', async () => {
    const index = await fs.readFile('docs/upstream/README.md', 'utf8');
    const missing: string[] = [];
    for (const b of KNOWN_BUGS.filter((x) => !x.fixedBy && !x.fixedIn.length)) {
      const report = await fs.readFile(`docs/upstream/${b.id}.md`, 'utf8').catch(() => '');
      if (!report.includes(b.id)) missing.push(`${b.id}: no docs/upstream/${b.id}.md naming it`);
      if (!index.includes(`(${b.id}.md)`)) missing.push(`${b.id}: not in docs/upstream/README.md`);
    }
    expect(missing).to.deep.equal([]);
  });
});
