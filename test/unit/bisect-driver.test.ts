/**
 * The bisect driver on its own, in seconds: a fake step (no QEMU build)
 * judges each commit of a small history by a file's content, through the
 * same git bisect run and step log the real step uses. The driver must name
 * the first bad commit (or, with findFix, the first fixed one), read every
 * step back, and leave the tree on its branch with no bisect in progress.
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { expect } from 'chai';
import { bisect, type StepCommand } from '../../harness/bisect/bisect.js';
import { suites } from '../../suites/index.js';

const CASE = 'emulated.e1000e.reset-state';
/** Reads `state` in the checked-out tree: "broken" is the case failing. Appends a StepLog line as the real step does. */
const FAKE_STEP = `
cd "$1"
commit=$(git rev-parse HEAD); subject=$(git log -1 --format=%s)
if grep -q broken state; then holds=no; else holds=yes; fi
if [ "$holds" = yes ]; then verdict=good; else verdict=bad; fi
printf '{"commit":"%s","subject":"%s","verdict":"%s","buildMs":0,"caseMs":0}\\n' "$commit" "$subject" "$verdict" >> "$2"
# git's answer: holds -> 0 (good, or with findFix "fixed" is the new state: 1)
if [ "$holds" = yes ]; then [ "$3" = fix ] && exit 1 || exit 0; else [ "$3" = fix ] && exit 0 || exit 1; fi
`;
const fakeStep: StepCommand = (job) => ['sh', '-c', FAKE_STEP, 'step', job.src, job.log, job.findFix ? 'fix' : 'break'];

describe('bisect driver with a fake step', function () {
  this.timeout(30_000);
  let dir: string;
  const shas: string[] = [];
  const git = (...a: string[]) => execFileSync('git', ['-C', dir, ...a], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'], env: { ...process.env, GIT_AUTHOR_NAME: 't', GIT_AUTHOR_EMAIL: 't@t', GIT_COMMITTER_NAME: 't', GIT_COMMITTER_EMAIL: 't@t' } }).trim();

  /** Eight commits; `state` says broken from index `from` to `to` (exclusive). */
  function history(from: number, to: number): void {
    dir = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'msix-harness-test-bisect-driver-')), 'tree');
    fs.mkdirSync(dir);
    git('init', '-q', '-b', 'main');
    shas.length = 0;
    for (let i = 0; i < 8; i++) {
      fs.writeFileSync(path.join(dir, 'state'), i >= from && i < to ? 'broken\n' : 'fine\n');
      fs.writeFileSync(path.join(dir, 'n'), `${i}\n`);
      git('add', '.');
      git('commit', '-q', '-m', `commit ${i}`);
      shas.push(git('rev-parse', 'HEAD'));
    }
  }
  afterEach(() => fs.rmSync(path.dirname(dir), { recursive: true, force: true }));

  const leftAsFound = () => {
    expect(git('symbolic-ref', '--short', 'HEAD')).to.equal('main');
    expect(fs.existsSync(path.join(dir, '.git', 'BISECT_START'))).to.equal(false);
  };

  it('names the first bad commit, with its step, and restores the branch', async () => {
    history(5, 8);
    const r = await bisect({ suites, step: fakeStep, src: dir, good: shas[0]!, bad: shas[7]!, caseId: CASE, kernel: '6.12', log: path.join(dir, '..', 'log.jsonl') }, () => undefined);
    expect(r.firstBad?.sha).to.equal(shas[5]);
    expect(r.firstBad?.subject).to.equal('commit 5');
    expect(r.firstBad?.step?.verdict).to.equal('bad');
    expect(r.steps.length).to.be.within(2, 4);
    leftAsFound();
  });

  it('with findFix, names the first fixed commit', async () => {
    history(0, 3);
    const r = await bisect({ suites, step: fakeStep, src: dir, bad: shas[0]!, good: shas[7]!, caseId: CASE, kernel: '6.12', findFix: true, log: path.join(dir, '..', 'log.jsonl') }, () => undefined);
    expect(r.firstBad?.sha).to.equal(shas[3]);
    leftAsFound();
  });

  it('a step that cannot judge (exit 125 everywhere) gives no first bad commit, and still restores the branch', async () => {
    history(5, 8);
    const skip: StepCommand = (job) => ['sh', '-c', `printf '{"commit":"%s","subject":"s","verdict":"skip","buildMs":0,"caseMs":0}\\n' "$(git -C "$1" rev-parse HEAD)" >> "$2"; exit 125`, 'step', job.src, job.log];
    const r = await bisect({ suites, step: skip, src: dir, good: shas[0]!, bad: shas[7]!, caseId: CASE, kernel: '6.12', log: path.join(dir, '..', 'log.jsonl') }, () => undefined);
    expect(r.firstBad).to.equal(undefined);
    expect(r.steps.every((s) => s.verdict === 'skip')).to.equal(true);
    leftAsFound();
  });
});
