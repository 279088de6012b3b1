/**
 * The inspector as a person uses it: headless Chromium (Debian's chromium,
 * driven by playwright-core) on the page of an emulated e1000e. Enable,
 * route, unmask and fire vector 0, and the delivery appears, highlighted
 * (checked on the screenshot), in the timeline too (the action-to-page
 * latency is measured in `npm run bench -- --only inspector`). A wrong token, a foreign Origin and an action off
 * the list are refused.
 */
import fs from 'node:fs';
import { expect } from 'chai';
import { compileSkeleton } from '../support/replay-skeleton.js';
import { runSuites } from '../../harness/runner/run-suite.js';
import { chromium, type Browser } from 'playwright-core';
import { countColour, CHROMIUM, HIGHLIGHT } from '../support/page-checks.js';
import WebSocket from 'ws';
import { resolveBuild } from '../../harness/builds/build-spec.js';
import { e1000e } from '../../harness/devices/e1000e.js';
import { InspectSession } from '../../harness/inspect/inspect-session.js';
import { serveInspector, type InspectServer } from '../../harness/inspect/inspect-server.js';
import { Dut } from '../../harness/case/dut.js';


/** What the server answers a WebSocket opened with this URL and Origin: 'open', or the refusal. */
function tryWs(url: string, origin: string): Promise<string> {
  return new Promise((resolve) => {
    const ws = new WebSocket(url, { origin });
    ws.on('open', () => {
      ws.close();
      resolve('open');
    });
    ws.on('unexpected-response', (_req, res) => resolve(`refused ${res.statusCode}`));
    ws.on('error', (e) => resolve(`error ${e.message}`));
  });
}

describe('inspector in headless Chromium (emulated e1000e)', function () {
  this.timeout(180_000);
  let browser: Browser;
  let dut: Dut;
  let server: InspectServer;

  before(async () => {
    if (!fs.existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} is missing: scripts/setup installs Debian's chromium`);
    const build = await resolveBuild('debian:newest', () => undefined);
    dut = await Dut.start(build, e1000e, { traces: ['*msix*'] });
    await dut.resetDevice();
    server = await serveInspector(new InspectSession(dut), { title: 'e1000e' });
    browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox'] });
  });
  after(async () => {
    await browser?.close();
    await server?.close();
    await dut?.shutdown();
  });

  it('enable, route, unmask and fire vector 0: the delivery appears highlighted, and in the timeline and the case skeleton', async () => {
    const page = await browser.newPage({ viewport: { width: 1100, height: 900 } });
    await page.goto(server.url);
    await page.getByText('connected', { exact: true }).waitFor();
    const cell = page.getByTestId('deliveries-0');
    await cell.waitFor();
    expect(await cell.textContent()).to.equal('0');
    await page.click('button[data-action=enable]');
    await page.getByText('Enable: 1').waitFor();
    await page.click('button[data-action=route]');
    await page.click('button[data-action=unmask]');
    await page.locator('#entries tr[data-vector="0"] td:nth-child(4)', { hasText: /^unmasked$/ }).waitFor();
    for (let i = 1; i <= 5; i++) {
      await page.click('button[data-action=fire]');
      await page.getByTestId('deliveries-0').filter({ hasText: new RegExp(`^${i}$`) }).waitFor();
    }
    // The changed cell is highlighted on screen, and the timeline says what the fire changed.
    expect(countColour(await page.locator('#entries').screenshot(), HIGHLIGHT)).to.be.greaterThan(100);
    expect(await page.getByTestId('timeline').textContent()).to.match(/fire 0: deliveries\[0\]: 4 -> 5/);
    expect(await page.getByTestId('traces').textContent()).to.match(/msix/);
    // The README's picture: MSIX_INSPECTOR_SCREENSHOT=docs/inspector.png.
    const shot = process.env['MSIX_INSPECTOR_SCREENSHOT'];
    if (shot) await page.screenshot({ path: shot });
    const skeleton = await (await fetch(server.url.replace('/?', '/case.ts?'))).text();
    expect(skeleton).to.contain('await dut.msix.unmask(0);').and.contain('await dut.fire(0);');
    // The skeleton is a case: it compiles against the suites' API and, replayed on a fresh QEMU, passes.
    const { errors, suite } = await compileSkeleton(skeleton, 'emulated');
    expect(errors, skeleton).to.deep.equal([]);
    const [replayed] = await runSuites({ suites: [suite!], builds: [dut.build], devices: [e1000e] });
    expect(replayed?.outcome, replayed?.error?.message).to.equal('passed');
    expect(replayed!.evidence.map((e) => e.label)).to.include.members(['Enable', 'Function Mask', 'masked entries']);
    // And a skeleton that calls what the API does not have does not compile.
    expect((await compileSkeleton(skeleton.replace('await dut.fire(0);', 'await dut.fireTwice(0);'), 'emulated')).errors.join()).to.match(/fireTwice/);
  });

  it('refuses a wrong token (page and WebSocket), a foreign Origin, and an action off the list', async () => {
    const u = new URL(server.url);
    const wrong = `${u.origin}/?token=${'0'.repeat(32)}`;
    expect((await fetch(wrong)).status).to.equal(403);
    expect((await fetch(`${u.origin}/`)).status).to.equal(403);
    const wsUrl = `ws://${u.host}/ws?token=${u.searchParams.get('token')}`;
    expect(await tryWs(wsUrl, u.origin)).to.equal('open');
    expect(await tryWs(wsUrl.replace(/token=\w+/, `token=${'0'.repeat(32)}`), u.origin)).to.equal('refused 401');
    expect(await tryWs(wsUrl, 'http://evil.example')).to.equal('refused 401');
    const reply = await new Promise<string>((resolve) => {
      const ws = new WebSocket(wsUrl, { origin: u.origin });
      ws.on('open', () => ws.send(JSON.stringify({ id: 7, action: 'shell', vector: 0 })));
      ws.on('message', (d) => {
        const m = JSON.parse(String(d)) as { type: string; id?: number; error?: string };
        if (m.id === 7) {
          ws.close();
          resolve(`${m.type}: ${m.error}`);
        }
      });
    });
    expect(reply).to.match(/^error: unknown action "shell"/);
  });
});
