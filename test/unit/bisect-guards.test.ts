/**
 * bisect refuses what it cannot do safely, before touching the tree: not a
 * git tree, a dirty tree, a bisect already running, unknown refs or case
 * ids; and it leaves HEAD where it was. (The full bisect of the 7.2 stable
 * history runs in npm run bench: each step builds QEMU.)
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { expect } from 'chai';
import { bisect } from '../../harness/bisect/bisect.js';
import { caseById } from '../../harness/bisect/case-id.js';
import { EnvironmentError } from '../../harness/errors.js';
import { suites } from '../../suites/index.js';

const CASE = 'vfio.e1000e.seed-enable-all-masked';

describe('bisect guards', () => {
  let dir: string;
  const git = (...a: string[]) => execFileSync('git', ['-C', dir, ...a], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'], env: { ...process.env, GIT_AUTHOR_NAME: 't', GIT_AUTHOR_EMAIL: 't@t', GIT_COMMITTER_NAME: 't', GIT_COMMITTER_EMAIL: 't@t' } }).trim();
  const refusal = async (args: Partial<Parameters<typeof bisect>[0]>) => {
    const e = await bisect({ suites, src: dir, good: 'v1', bad: 'v2', caseId: CASE, kernel: '6.12', log: path.join(dir, '..', 'log.jsonl'), ...args }, () => undefined).catch((x: unknown) => x);
    expect(e).to.be.instanceOf(EnvironmentError);
    return (e as Error).message;
  };

  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'msix-harness-test-bisect-'));
    dir = path.join(dir, 'tree');
    fs.mkdirSync(dir);
    git('init', '-q', '-b', 'main');
    for (const v of ['v1', 'v2']) {
      fs.writeFileSync(path.join(dir, 'f'), v);
      git('add', 'f');
      git('commit', '-q', '-m', v);
      git('tag', v);
    }
  });
  afterEach(() => fs.rmSync(path.dirname(dir), { recursive: true, force: true }));

  it('knows case ids and says what one looks like', () => {
    expect(caseById(CASE, suites).device).to.equal('e1000e');
    expect(() => caseById('vfio.seed', suites)).to.throw(EnvironmentError, /is not a case id/);
    expect(() => caseById('vfio.e1000e.no-such-case', suites)).to.throw(EnvironmentError);
  });

  it('refuses a folder that is not a git tree', async () => {
    expect(await refusal({ src: path.dirname(dir) })).to.contain('is not a git work tree');
  });

  it('refuses a dirty tree and leaves it dirty', async () => {
    fs.writeFileSync(path.join(dir, 'f'), 'local change');
    expect(await refusal({})).to.contain('uncommitted changes');
    expect(fs.readFileSync(path.join(dir, 'f'), 'utf8')).to.equal('local change');
  });

  it('refuses an unknown ref, and a bisect already in progress', async () => {
    expect(await refusal({ good: 'v0' })).to.contain('"v0" is not a commit');
    git('bisect', 'start', 'v2', 'v1');
    expect(await refusal({})).to.contain('already in progress');
    git('bisect', 'reset');
  });

  it('leaves HEAD on its branch when git bisect run stops after it started (a step that cannot run)', async () => {
    // Commits between good and bad, so git bisect start checks out one in the middle before the step fails.
    for (const n of [3, 4, 5]) {
      fs.writeFileSync(path.join(dir, 'f'), `v${n}`);
      git('commit', '-q', '-am', `v${n}`);
    }
    expect(await refusal({ bad: 'HEAD', step: () => ['/nonexistent/bisect-step'] })).to.contain('git bisect run stopped');
    expect(git('symbolic-ref', '--short', 'HEAD')).to.equal('main');
    expect(fs.existsSync(path.join(dir, '.git', 'BISECT_START'))).to.equal(false);
  });
});
