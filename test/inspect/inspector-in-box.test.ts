/**
 * The inspector on a device passed through inside the box, as a person uses
 * it: `msix-harness inspect --box`, its printed URL opened here in headless
 * Chromium (the page is served in the box, forwarded to 127.0.0.1). Enable
 * MSI-X with every vector masked and the physical device goes to MSI-X mode
 * (the founding case, seen on the page); unmask and fire vector 0 and the
 * host's vfio-msix[0] count rises with each delivery, highlighted (checked
 * on the screenshot). Ctrl-C stops the box and leaves no QEMU behind.
 */
import fs from 'node:fs';
import { execa, type ResultPromise } from 'execa';
import { expect } from 'chai';
import { chromium, type Browser } from 'playwright-core';
import { countColour, CHROMIUM, HIGHLIGHT } from '../support/page-checks.js';
import { processesWhoseCommandLineHas } from '../support/leftovers.js';
import { printedUrl } from '../support/printed-url.js';

const MAIN = new URL('../../bin/msix-harness.js', import.meta.url).pathname;

/** The outer QEMUs whose forward is on this port (none once the box is gone). */
const boxesOnPort = (port: string) => processesWhoseCommandLineHas(`hostfwd=tcp:127.0.0.1:${port}-`);

describe('inspector in the box, in headless Chromium (e1000e on vfio-pci)', function () {
  this.timeout(600_000);
  let browser: Browser;
  let inspect: ResultPromise<{ reject: false; all: true }> | undefined;

  before(async () => {
    if (!fs.existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} is missing: scripts/setup installs Debian's chromium`);
    browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox'] });
  });
  after(async () => {
    await browser?.close();
    inspect?.kill('SIGKILL');
  });

  it('enable shows the physical device in MSI-X mode; each fire of vector 0 raises the host line count, highlighted; Ctrl-C leaves nothing', async () => {
    inspect = execa(process.execPath, [MAIN, 'inspect', '--box', '--device', 'e1000e', '--qemu', 'debian:newest'], { reject: false, all: true });
    const run = inspect;
    const url = await printedUrl(run, /open (http:\/\/127\.0\.0\.1:\d+\/\?token=\w+)/);
    const port = new URL(url).port;
    const page = await browser.newPage({ viewport: { width: 1100, height: 1100 } });
    await page.goto(url);
    await page.getByText('connected', { exact: true }).waitFor();
    await page.getByText('physical Enable: 0').waitFor();
    // Before MSI-X, vfio hands the device's INTx to the guest: its line is the only one.
    await page.getByTestId('host-count-intx').waitFor();
    expect(await page.locator('#host-lines tr').count()).to.equal(1);

    await page.click('button[data-action=enable]');
    await page.getByText('Enable: 1', { exact: true }).waitFor();
    await page.getByText('physical Enable: 1').waitFor();
    expect(await page.getByTestId('host-msi-irqs').textContent()).to.match(/^\d+/);
    await page.getByTestId('host-count-intx').waitFor({ state: 'detached' });

    await page.click('button[data-action=route]');
    await page.click('button[data-action=unmask]');
    const hostCount = page.getByTestId('host-count-msix-0');
    await hostCount.waitFor();
    const base = Number(await hostCount.textContent());
    for (let i = 1; i <= 3; i++) {
      await page.click('button[data-action=fire]');
      await page.getByTestId('deliveries-0').filter({ hasText: new RegExp(`^${i}$`) }).waitFor();
      await hostCount.filter({ hasText: new RegExp(`^${base + i}$`) }).waitFor();
    }
    expect(countColour(await page.locator('#host-lines').screenshot(), HIGHLIGHT)).to.be.greaterThan(50);
    const timeline = (await page.getByTestId('timeline').textContent()) ?? '';
    expect(timeline).to.match(/unmask 0: .*host vfio-msix\[0\]\(0000:00:03\.0\): new, count \d+/);
    expect(timeline).to.match(/fire 0: deliveries\[0\]: 2 -> 3; host vfio-msix\[0\]\(0000:00:03\.0\): \d+ -> \d+/);
    // QEMU's side of the same fires: the host's eventfd signalled, then the guest's message.
    await page.getByTestId('traces').filter({ hasText: /vfio_msi_interrupt/ }).waitFor();
    // The README's picture: MSIX_INSPECTOR_BOX_SCREENSHOT=docs/inspector-box.png.
    const shot = process.env['MSIX_INSPECTOR_BOX_SCREENSHOT'];
    if (shot) await page.screenshot({ path: shot, fullPage: true });
    const skeleton = await (await fetch(url.replace('/?', '/case.ts?'))).text();
    expect(skeleton).to.contain('async body({ dut, ev, host })').and.contain("ev.host.expect('host state', await host.state(), {\"msixEnabled\":true");

    expect(boxesOnPort(port)).to.equal(1);
    run.kill('SIGINT');
    const r = await run;
    expect(r.all, r.all).to.match(/SIGINT: stopped 1 QEMU process/);
    expect(boxesOnPort(port)).to.equal(0);
  });
});
