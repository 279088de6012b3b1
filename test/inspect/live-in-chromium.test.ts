/**
 * `--live` on run, compare and bisect, watched in headless Chromium: the
 * page shows every result the command printed (the matrix filling in, with
 * outcomes, and the evidence of each), bisect steps as they end, and the
 * end; the command does not wait long for the page.
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { execa, type ResultPromise } from 'execa';
import { expect } from 'chai';
import { chromium, type Browser, type Page } from 'playwright-core';
import { CHROMIUM } from '../support/page-checks.js';
import { resolveBuild } from '../../harness/builds/build-spec.js';
import { seedSpec } from '../../harness/regressions/seed-revert.js';
import { printedUrl } from '../support/printed-url.js';

const MAIN = new URL('../../bin/msix-harness.js', import.meta.url).pathname;
/** A result line as run and compare print them: outcome, case id. */
const PRINTED = /^(?:ok|FAIL|skip|xfail|xpass|ERR\w*)\s+((?:emulated|vfio)\.\S+)/gm;

type Run = ResultPromise<{ reject: false; all: true }>;

describe('--live in headless Chromium', function () {
  this.timeout(900_000);
  let browser: Browser;
  before(async () => {
    if (!fs.existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} is missing: scripts/setup installs Debian's chromium`);
    browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox'] });
  });
  after(async () => browser?.close());

  /** Start the command, open its live page as soon as it prints the URL, and wait for the page to show the end. */
  async function watch(args: readonly string[], opts: { cwd?: string } = {}): Promise<{ page: Page; run: Awaited<Run> }> {
    const run: Run = execa(process.execPath, [MAIN, ...args, '--live'], { reject: false, all: true, ...opts });
    const url = await printedUrl(run, /live page: (http:\/\/127\.0\.0\.1:\d+\/\?token=\w+)/);
    const page = await browser.newPage({ viewport: { width: 1200, height: 900 } });
    await page.goto(url);
    await page.getByTestId('status').filter({ hasText: /^done: / }).waitFor({ timeout: 600_000 });
    return { page, run: await run };
  }

  const rowIds = (page: Page) => page.locator('#matrix tbody tr').evaluateAll((trs) => trs.map((tr) => tr.getAttribute('data-id')!));
  const headers = (page: Page) => page.locator('#matrix thead th').allTextContents();

  it('run: every case the run printed, with its outcome and evidence, then the end', async () => {
    const { page, run: r } = await watch(['run', '--suite', 'emulated', '--qemu', 'debian:newest', '--device', 'e1000e', '--grep', 'masked-fire-pends|function-mask-pends|enable-disable|reset-state']);
    expect(r.exitCode, r.all).to.equal(0);
    expect(await page.getByTestId('status').textContent()).to.match(/^done: outcomes: \d+ passed/);
    const printed = [...r.all.matchAll(PRINTED)].map((m) => m[1]!);
    expect(printed.length, r.all).to.be.greaterThan(3);
    expect((await rowIds(page)).sort()).to.deep.equal([...new Set(printed)].sort());
    expect(await page.locator('#matrix td.passed').count()).to.equal(printed.length);
    expect(await page.locator('#results details').count()).to.equal(printed.length);
    expect(await page.locator('#results .evidence').count()).to.be.greaterThan(printed.length);
  });

  it('compare: the matrix fills in, one column per build, every printed result in its cell', async () => {
    const { page, run: r } = await watch(['compare', '--suite', 'emulated', '--qemu', 'debian:bookworm', '--qemu', 'debian:newest', '--device', 'e1000e', '--grep', 'masked-fire-pends|function-mask-pends|enable-disable|reset-state']);
    expect(r.exitCode, r.all).to.equal(0);
    expect(await page.getByTestId('status').textContent()).to.match(/^done: exit code 0/);
    const cols = (await headers(page)).slice(1);
    expect(cols).to.have.length(2);
    expect(cols.find((c) => c.includes('debian:bookworm'))).to.match(/^7\.2\./);
    expect(cols.find((c) => c.includes('debian:newest'))).to.not.equal(undefined);
    const printed = [...r.all.matchAll(PRINTED)].map((m) => m[1]!);
    const ids = [...new Set(printed)];
    expect(ids.length, r.all).to.be.greaterThan(3);
    // Each case ran on both builds: two results per row, each cell filled with its outcome.
    expect(printed.length).to.equal(ids.length * 2);
    expect((await rowIds(page)).sort()).to.deep.equal(ids.sort());
    const cells = await page.locator('#matrix tbody td:not(:first-child)').evaluateAll((tds) => tds.map((td) => `${td.className}:${td.textContent}`));
    expect(cells).to.have.length(printed.length);
    expect(cells.every((c) => /^(passed|skipped):\1$/.test(c)), cells.join(' ')).to.equal(true);
  });

  describe('bisect, on a history whose builds are the seed pair (released, then reverted)', () => {
    let top: string;
    const shas: string[] = [];

    before(async () => {
      const progress = (m: string) => process.stderr.write(`      ${m}\n`);
      const released = await resolveBuild('seed:released', progress, [seedSpec]);
      const reverted = await resolveBuild('seed:reverted', progress, [seedSpec]);
      top = fs.mkdtempSync(path.join(os.tmpdir(), 'msix-harness-test-live-bisect-'));
      const tree = path.join(top, 'tree');
      fs.mkdirSync(path.join(tree, 'hw', 'pci'), { recursive: true });
      fs.writeFileSync(path.join(tree, 'configure'), '#!/bin/sh\n');
      fs.writeFileSync(path.join(tree, 'hw', 'pci', 'msix.c'), '/* stand-in: the build command copies the wrapper below into build/ */\n');
      const git = (...a: string[]) => execFileSync('git', ['-C', tree, '-c', 'user.email=t@t', '-c', 'user.name=t', ...a], { encoding: 'utf8' }).trim();
      git('init', '-q', '-b', 'main');
      // Commits 0 and 1 build the released QEMU, 2 and 3 the one with b0223e29af reverted: commit 2 broke the seed case.
      for (const [i, b] of [released, released, reverted, reverted].entries()) {
        fs.writeFileSync(path.join(tree, 'qemu'), `#!/bin/sh\nexec ${b.binary} "$@"\n`);
        fs.writeFileSync(path.join(tree, 'n'), `${i}\n`);
        git('add', '.');
        git('commit', '-q', '-m', `commit ${i}`);
        shas.push(git('rev-parse', 'HEAD'));
      }
    });
    after(() => top && fs.rmSync(top, { recursive: true, force: true }));

    it('each step appears as it ends, its case result in the matrix, then the first bad commit', async () => {
      const { page, run: r } = await watch(['bisect', '--src', path.join(top, 'tree'), '--good', shas[0]!, '--bad', shas[3]!, '--case', 'vfio.e1000e.seed-enable-all-masked', '--build', 'mkdir -p build && cp qemu build/qemu-system-x86_64 && chmod +x build/qemu-system-x86_64', '--log', path.join(top, 'steps.jsonl')]);
      expect(r.exitCode, r.all).to.equal(0);
      expect(await page.getByTestId('status').textContent()).to.equal(`done: first bad commit: ${shas[2]} commit 2`);
      const steps = (await page.getByTestId('steps').textContent()) ?? '';
      const logged = fs.readFileSync(path.join(top, 'steps.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { commit: string; verdict: string });
      expect(logged.length).to.be.greaterThan(1);
      for (const s of logged) expect(steps).to.contain(`bisect step ${s.commit.slice(0, 12)}`).and.contain(`: ${s.verdict};`);
      // One column per step's build, the case's outcome in each: passed where good, failed where bad.
      expect(await rowIds(page)).to.deep.equal(['vfio.e1000e.seed-enable-all-masked']);
      const cells = await page.locator('#matrix tbody td:not(:first-child)').allTextContents();
      expect(cells).to.deep.equal(logged.map((s) => (s.verdict === 'good' ? 'passed' : 'failed')));
      expect(await page.locator('#results .evidence.bad', { hasText: 'physical MSI-X Enable' }).count()).to.be.greaterThan(0);
    });
  });
});
