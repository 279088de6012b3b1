/**
 * Inspector latency: from a click on the page (headless Chromium) to the
 * page showing what the action changed, for an emulated e1000e outside the
 * box (goal: under 100 ms). The fire of an unmasked vector is timed until
 * its delivery count shows on the page.
 */
import { chromium } from 'playwright-core';
import type { QemuBuild } from '../harness/builds/qemu-build.js';
import { e1000e } from '../harness/devices/e1000e.js';
import { InspectSession } from '../harness/inspect/inspect-session.js';
import { serveInspector } from '../harness/inspect/inspect-server.js';
import { Dut } from '../harness/runner/dut.js';

const FIRES = 30;

export async function benchInspector(build: QemuBuild): Promise<void> {
  const dut = await Dut.start(build, e1000e, { traces: ['*msix*'] });
  const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: ['--no-sandbox'] });
  const server = await serveInspector(new InspectSession(dut), { title: 'e1000e' });
  try {
    await dut.resetDevice();
    const page = await browser.newPage();
    await page.goto(server.url);
    await page.getByText('connected', { exact: true }).waitFor();
    for (const a of ['enable', 'route', 'unmask']) await page.click(`button[data-action=${a}]`);
    await page.locator('#entries tr[data-vector="0"] td:nth-child(4)', { hasText: /^unmasked$/ }).waitFor();
    const ms: number[] = [];
    for (let i = 1; i <= FIRES; i++) {
      const t0 = performance.now();
      await page.click('button[data-action=fire]');
      await page.getByTestId('deliveries-0').filter({ hasText: new RegExp(`^${i}$`) }).waitFor();
      ms.push(performance.now() - t0);
    }
    ms.sort((a, b) => a - b);
    const median = ms[Math.floor(ms.length / 2)]!;
    console.log(`\ninspector (e1000e, QEMU ${build.label})`);
    console.log(`  click Fire to the delivery on the page: median ${median.toFixed(0)} ms, p90 ${ms[Math.floor(ms.length * 0.9)]!.toFixed(0)} ms over ${FIRES} (goal < 100 ms: ${median < 100 ? 'meets goal' : 'BELOW GOAL'})`);
  } finally {
    await browser.close();
    await server.close();
    await dut.shutdown();
  }
}
