import { expect } from 'chai';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { execa } from 'execa';
import { fixState, judgeKnownBug, KNOWN_BUGS, type BuildFacts } from '../../harness/expect/known-bugs.js';
import type { CaseId } from '../../harness/case-id.js';
import { commitIsAncestor, detectTrait, isReleaseVersion, TRAITS } from '../../harness/expect/traits.js';

const v = (s: string) => {
  const [major, minor, micro] = s.split('.').map(Number);
  return { major: major!, minor: minor!, micro: micro! };
};
const facts = (version: string, gitHasFix?: boolean): BuildFacts => ({ version, release: isReleaseVersion(v(version)), ...(gitHasFix === undefined ? {} : { gitHasFix: () => gitHasFix }) });
const c14 = KNOWN_BUGS.find((b) => b.id === 'C14')!;
const vfio = (slug: string): CaseId => ({ suite: 'vfio', device: 'e1000e', slug });
const symptom = [{ label: 'physical MSI-X Enable after disable', observed: true, ok: false }];
const otherFailure = [{ label: 'vfio-intx line back', observed: false, ok: false }];

describe('behaviour traits come from the build, never from a development version string', () => {
  const marker = Buffer.from(`...\0${TRAITS.invalidFdEnable.marker.text}\0...`);
  it('a release build: its string says yes; without it, the release version decides', async () => {
    expect(await detectTrait(TRAITS.invalidFdEnable, { binary: marker, version: v('7.2.22') })).to.deep.include({ value: true });
    expect((await detectTrait(TRAITS.invalidFdEnable, { binary: marker, version: v('7.2.22') })).source).to.match(/^binary:/);
    const r = await detectTrait(TRAITS.invalidFdEnable, { binary: Buffer.from('nothing'), version: v('7.2.22') });
    expect(r).to.deep.equal({ value: false, source: 'release 7.2.22 (the change is in 8.2.0 on)' });
    expect((await detectTrait(TRAITS.invalidFdEnable, { binary: Buffer.from('x'), version: v('9.2.0') })).value).to.equal(true);
  });

  it('master between releases (8.1.50) and a release candidate (8.1.94): the build string, else unknown', async () => {
    for (const dev of ['8.1.50', '8.1.94']) {
      expect((await detectTrait(TRAITS.invalidFdEnable, { binary: marker, version: v(dev) })).value, dev).to.equal(true);
      const r = await detectTrait(TRAITS.invalidFdEnable, { binary: Buffer.from('x'), version: v(dev) });
      expect(r.value, dev).to.equal('unknown');
      expect(r.source).to.match(/development or release-candidate/);
    }
  });

  it('git ancestry answers for trees with history', async () => {
    const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'msix-harness-test-'));
    try {
      const git = (...a: string[]) => execa('git', ['-C', dir, '-c', 'user.email=t@t', '-c', 'user.name=t', ...a]);
      await git('init', '-q');
      await git('commit', '-q', '--allow-empty', '-m', 'one');
      const one = (await git('rev-parse', 'HEAD')).stdout;
      await git('checkout', '-q', '-b', 'side');
      await git('commit', '-q', '--allow-empty', '-m', 'two');
      const two = (await git('rev-parse', 'HEAD')).stdout;
      await git('checkout', '-q', '-');
      expect(await commitIsAncestor(dir, one)).to.equal(true);
      expect(await commitIsAncestor(dir, two)).to.equal(false);
      expect(await commitIsAncestor(dir, '5ebffa4e87')).to.equal(undefined);
    } finally {
      await fs.rm(dir, { recursive: true, force: true });
    }
  });
});

describe('known QEMU bugs: xfail, xpass and hints', () => {
  it('a release that has the bug, failing with its symptom: xfail, with the fixing commit', () => {
    const r = judgeKnownBug(vfio('disable-without-vectors'), 'failed', symptom, facts('8.2.1'))!;
    expect(r.outcome).to.equal('xfail');
    expect(r.hint).to.equal('known QEMU bug C14 (disabling MSI-X with no vector ever unmasked left MSI-X on and INTx broken), fixed by d2b668fca5 (8.2.2, 9.0.0); this build lacks it');
  });

  it('the fixed release failing the same way: a failure, flagged as a regression', () => {
    const r = judgeKnownBug(vfio('disable-without-vectors'), 'failed', symptom, facts('8.2.2'))!;
    expect(r.outcome).to.equal(undefined);
    expect(r.hint).to.match(/has its fix d2b668fca5: a regression/);
  });

  it('a release listed as affected that passes: xpass (a backport?)', () => {
    expect(judgeKnownBug(vfio('disable-without-vectors'), 'passed', [], facts('8.2.1'))!.outcome).to.equal('xpass');
  });

  it('an 8.2.1-versioned tree with the fix cherry-picked: passing is plain passed, failing is a regression', () => {
    expect(judgeKnownBug(vfio('disable-without-vectors'), 'passed', [], facts('8.2.1', true))).to.equal(undefined);
    expect(judgeKnownBug(vfio('disable-without-vectors'), 'failed', symptom, facts('8.2.1', true))!.outcome).to.equal(undefined);
  });

  it('a development or rc build: stays failed, with the hint that it may be the known bug', () => {
    for (const dev of ['8.1.50', '8.1.94']) {
      const r = judgeKnownBug(vfio('disable-without-vectors'), 'failed', symptom, facts(dev))!;
      expect(r.outcome).to.equal(undefined);
      expect(r.hint).to.match(/looks like known QEMU bug C14.*unknown/);
    }
  });

  it('another symptom, or another case, is not the known bug', () => {
    expect(judgeKnownBug(vfio('disable-without-vectors'), 'failed', otherFailure, facts('8.2.1'))).to.equal(undefined);
    expect(judgeKnownBug(vfio('seed-enable-all-masked'), 'failed', symptom, facts('8.2.1'))).to.equal(undefined);
    // The same slug in another suite is another case.
    expect(judgeKnownBug({ suite: 'emulated', device: 'e1000e', slug: 'disable-without-vectors' }, 'failed', symptom, facts('8.2.1'))).to.equal(undefined);
  });

  it('an open bug (no fix anywhere) is xfail on every build, master included, and a pass is an xpass that asks for the fix commit', () => {
    const flr = [{ label: 'guest Enable after FLR', observed: true, ok: false }];
    for (const v of ['7.2.22', '11.1.3', '11.2.50']) {
      const b = { version: v, release: !v.endsWith('.50') };
      expect(judgeKnownBug(vfio('flr-live-vectors'), 'failed', flr, b)?.outcome, v).to.equal('xfail');
      const pass = judgeKnownBug(vfio('flr-live-vectors'), 'passed', [], b);
      expect(pass?.outcome, v).to.equal('xpass');
      expect(pass?.hint).to.match(/record its commit/);
    }
    // Another failure of the case is not this bug.
    expect(judgeKnownBug(vfio('flr-live-vectors'), 'failed', [{ label: 'guest Enable after FLR', observed: false, ok: false }], { version: '11.1.3', release: true })).to.equal(undefined);
  });

  it('an open bug of one device from a release on: xfail there, nothing on the releases before it or on other devices', () => {
    const e1000e = (slug: string): CaseId => ({ suite: 'emulated', device: 'e1000e', slug });
    const two = [{ label: 'messages for one cause, with the clock run', observed: 2, ok: false }];
    expect(judgeKnownBug(e1000e('one-message-per-cause'), 'failed', two, facts('11.1.3'))?.outcome).to.equal('xfail');
    expect(judgeKnownBug(e1000e('one-message-per-cause'), 'passed', [], facts('11.1.3'))?.outcome).to.equal('xpass');
    // 7.2.22 predates 31e3f318c8 (8.0): a pass is just a pass, the symptom there is another cause.
    expect(judgeKnownBug(e1000e('one-message-per-cause'), 'passed', [], facts('7.2.22'))).to.equal(undefined);
    expect(judgeKnownBug(e1000e('one-message-per-cause'), 'failed', two, facts('7.2.22'))?.outcome).to.equal(undefined);
    expect(judgeKnownBug({ suite: 'emulated', device: 'igb', slug: 'one-message-per-cause' }, 'passed', [], facts('11.1.3'))).to.equal(undefined);
  });

  it('a symptom matches its label qualified after a comma, on any machine type, and a crash by its words', () => {
    const replug = { suite: 'emulated', device: 'e1000e', slug: 'hot-unplug-with-vectors-live', machine: 'pc' };
    expect(judgeKnownBug(replug, 'failed', [{ label: 'messages for one cause, with the clock run, vector 4 after the re-plug', observed: 2, ok: false }], facts('11.1.3'))?.outcome).to.equal('xfail');
    // A label that only begins the same is another observation.
    expect(judgeKnownBug(replug, 'failed', [{ label: 'messages for one cause, with the clock run and more', observed: 2, ok: false }], facts('11.1.3'))).to.equal(undefined);
    const rocker = { suite: 'emulated', device: 'rocker', slug: 'unplug-replug-twice' };
    const abort = (observed: string) => [{ label: 'QEMU after the hot-unplug, round 1', observed, ok: false }];
    expect(judgeKnownBug(rocker, 'failed', abort("killed by SIGABRT: msix_vector_unuse: Assertion `vector < dev->msix_entries_nr' failed."), facts('7.2.22'))?.outcome).to.equal('xfail');
    expect(judgeKnownBug(rocker, 'failed', abort('killed by SIGSEGV: '), facts('7.2.22'))).to.equal(undefined);
    // 5.2.0 predates the assert (7.2.0): an abort there is another cause.
    expect(judgeKnownBug(rocker, 'failed', abort("killed by SIGABRT: msix_vector_unuse: Assertion `vector < dev->msix_entries_nr' failed."), facts('5.2.0'))?.outcome).to.equal(undefined);
  });

  it('every registry entry names its fix and the releases that had the bug (an open one, or one whose fix is seen in a release but not yet identified: what brought it)', () => {
    for (const b of KNOWN_BUGS) {
      expect(b.affected.length, b.id).to.be.greaterThan(0);
      if (b.fixedBy) {
        expect(b.fixedBy, b.id).to.match(/^[0-9a-f]{10,40}$/);
        expect(b.fixedIn.length, b.id).to.be.greaterThan(0);
      } else {
        expect(b.introducedBy, b.id).to.match(/^[0-9a-f]{10,40}$/);
      }
    }
    expect(c14.introducedBy).to.equal('5ebffa4e87');
  });

  it('a fix seen in a release, its commit not yet identified: that release passing is a plain pass, an affected one failing is xfail', () => {
    const bug = KNOWN_BUGS.find((b) => b.id === 'nvme-sriov-unplug-abort')!;
    const id: CaseId = { suite: 'emulated', device: 'nvme', slug: 'pf-unplug-with-vfs-live' };
    const seen = [{ label: bug.symptom!.label, observed: 'killed by SIGABRT: nvme_subsys_unreserve_cntlids: Assertion `x` failed.', ok: false }];
    expect(judgeKnownBug(id, 'passed', [], { version: '11.1.3', release: true })).to.equal(undefined);
    expect(judgeKnownBug(id, 'failed', seen, { version: '10.0.13', release: true })?.outcome).to.equal('xfail');
  });

  it('a stable release before a later one of its series that has the bug, or before the series\' first fixed release, lacks the fix; other series stay unknown', () => {
    const bug = KNOWN_BUGS.find((b) => b.id === 'vtd-ir-faults-not-recorded')!;
    const id: CaseId = { suite: 'emulated', device: 'e1000e', slug: 'absent-entry-faults' };
    const seen = [{ label: bug.symptom!.label, observed: false, ok: false }];
    expect(bug.affected).to.include('7.2.22');
    expect(judgeKnownBug(id, 'failed', seen, facts('7.2.5'))?.outcome).to.equal('xfail');
    expect(judgeKnownBug(id, 'failed', seen, facts('8.1.2'))?.outcome).to.equal(undefined);
    const fixedInSeries = { ...bug, affected: [], fixedIn: ['7.2.9', '8.2.0'] };
    expect(fixState(fixedInSeries, facts('7.2.8'))).to.equal('lacks-fix');
    expect(fixState(fixedInSeries, facts('7.2.9'))).to.equal('has-fix');
    expect(fixState(fixedInSeries, facts('8.1.2'))).to.equal('unknown');
  });
});
