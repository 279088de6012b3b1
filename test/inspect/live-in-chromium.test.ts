/**
 * `run --live` on a short run, watched in headless Chromium: the page
 * shows every case the run printed, in the matrix with its outcome and
 * with its evidence, and the end; the run does not wait long for it.
 */
import fs from 'node:fs';
import { execa } from 'execa';
import { expect } from 'chai';
import { chromium, type Browser } from 'playwright-core';
import { CHROMIUM } from '../support/page-checks.js';

const MAIN = new URL('../../bin/msix-harness.js', import.meta.url).pathname;

describe('run --live in headless Chromium', function () {
  this.timeout(180_000);
  let browser: Browser;
  before(async () => {
    if (!fs.existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} is missing: scripts/setup installs Debian's chromium`);
    browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox'] });
  });
  after(async () => browser?.close());

  it('shows every case of the run with its outcome and evidence, then the end', async () => {
    const run = execa(process.execPath, [MAIN, 'run', '--suite', 'emulated', '--qemu', 'debian:newest', '--device', 'e1000e', '--grep', 'masked|enable', '--live'], { reject: false, all: true });
    let out = '';
    const url = await new Promise<string>((resolve, reject) => {
      run.all!.on('data', (d: Buffer) => {
        out += d.toString();
        const m = /live page: (http:\/\/127\.0\.0\.1:\d+\/\?token=\w+)/.exec(out);
        if (m) resolve(m[1]!);
      });
      void run.then(() => reject(new Error(`the run ended without a live page:\n${out}`)));
    });
    const page = await browser.newPage({ viewport: { width: 1200, height: 900 } });
    await page.goto(url);
    await page.getByTestId('status').filter({ hasText: /^done: outcomes: \d+ passed/ }).waitFor({ timeout: 120_000 });
    const r = await run;
    expect(r.exitCode, r.all).to.equal(0);
    const printed = [...r.all!.matchAll(/^(?:ok|FAIL|skip|xfail|xpass|ERR\w*)\s+(emulated\.\S+)/gm)].map((m) => m[1]!);
    expect(printed.length, r.all).to.be.greaterThan(3);
    const rows = await page.locator('#matrix tbody tr').evaluateAll((trs) => trs.map((tr) => tr.getAttribute('data-id')));
    expect(rows.sort()).to.deep.equal([...new Set(printed)].sort());
    expect(await page.locator('#matrix td.passed').count()).to.equal(printed.length);
    expect(await page.locator('#results details').count()).to.equal(printed.length);
    expect(await page.locator('#results .evidence').count()).to.be.greaterThan(printed.length);
  });
});
