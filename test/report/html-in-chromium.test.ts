/**
 * The HTML report as a person sees it: rendered by headless Chromium
 * (Debian's chromium, driven by playwright-core) from a recorded real
 * comparison (seed:released against seed:reverted, vfio suite in the box).
 * The screenshot is checked: the matrix is there with a failed cell in its
 * colour, and the failed case's evidence shows the mismatched host
 * observation highlighted.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect } from 'chai';
import { chromium, type Browser } from 'playwright-core';
import { countColour, CHROMIUM } from '../support/page-checks.js';
import { toHtml } from '../../harness/report/html-report.js';
import { readReport } from '../../harness/cli/merge-command.js';

const FIXTURE = path.join(path.dirname(fileURLToPath(import.meta.url)), '../../../fixtures/reports/seed-released-vs-reverted.json');

describe('HTML report in headless Chromium', function () {
  this.timeout(120_000);
  let browser: Browser;
  let dir: string;

  before(async function () {
    if (!fs.existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} is missing: scripts/setup installs Debian's chromium`);
    browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox'] });
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'msix-harness-test-html-'));
  });
  after(async () => {
    await browser?.close();
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
  });

  it('shows the matrix with the reverted build failing the seed, and that case evidence with the host mismatch', async () => {
    const report = await readReport(FIXTURE);
    const file = path.join(dir, 'report.html');
    fs.writeFileSync(file, toHtml(report));
    const page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
    await page.goto(`file://${file}`);

    const matrix = page.locator('#matrix');
    expect(await matrix.isVisible()).to.equal(true);
    const seedRow = matrix.locator('tr', { hasText: 'vfio.e1000e.seed-enable-all-masked' });
    expect(await seedRow.locator('td.failed').count()).to.equal(1);
    expect(await seedRow.locator('td.passed').count()).to.equal(1);
    // The failed cell's colour (#fbe0e0) is on screen in the matrix.
    expect(countColour(await matrix.screenshot(), [0xfb, 0xe0, 0xe0])).to.be.greaterThan(500);

    const failed = page.locator('details.result.failed', { hasText: 'seed-enable-all-masked' });
    expect(await failed.isVisible()).to.equal(true);
    const hostView = failed.locator('.view', { hasText: 'host view' });
    const bad = hostView.locator('td.bad');
    expect(await bad.first().innerText()).to.equal('false');
    expect(await hostView.locator('tr', { has: page.locator('td.bad') }).first().innerText()).to.contain('physical MSI-X Enable');
    expect(await failed.locator('.view', { hasText: 'guest view' }).locator('tr', { hasText: 'guest Enable' }).locator('td.ok').innerText()).to.equal('true');
    // The highlighted mismatch (#f8c8c8) is on screen in the failed case's evidence.
    const shot = await failed.screenshot();
    fs.writeFileSync(path.join(dir, 'failed-case.png'), shot);
    expect(countColour(shot, [0xf8, 0xc8, 0xc8])).to.be.greaterThan(100);
    await page.close();
  });
});
