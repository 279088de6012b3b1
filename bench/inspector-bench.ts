/**
 * Inspector latency: from a click on the page (headless Chromium) to the
 * page showing what the action changed. For an emulated e1000e outside the
 * box (goal: under 100 ms) the fire of an unmasked vector is timed until
 * its delivery count shows; for an e1000e passed through in the box
 * (`inspect --box`, the page forwarded from the box's NIC), until the
 * delivery and then the host's vfio-msix[0] count show.
 */
import { execa } from 'execa';
import { chromium, type Page } from 'playwright-core';
import type { QemuBuild } from '../harness/builds/qemu-build.js';
import { e1000e } from '../harness/devices/e1000e.js';
import { startInspector } from '../harness/inspect/start-inspector.js';
import { printedUrl } from '../test/support/printed-url.js';

const FIRES = 30;
const BOX_FIRES = 10;
const MAIN = new URL('../bin/msix-harness.js', import.meta.url).pathname;

/** Enable, route and unmask vector 0, then fire it `n` times; ms from each click to each wanted cell showing its new count. */
async function timeFires(page: Page, n: number, cells: readonly string[]): Promise<number[][]> {
  await page.getByText('connected', { exact: true }).waitFor();
  for (const a of ['enable', 'route', 'unmask']) await page.click(`button[data-action=${a}]`);
  await page.locator('#entries tr[data-vector="0"] td:nth-child(4)', { hasText: /^unmasked$/ }).waitFor();
  const base = await Promise.all(cells.map(async (c) => (await page.getByTestId(c).waitFor(), Number(await page.getByTestId(c).textContent()))));
  const ms: number[][] = cells.map(() => []);
  for (let i = 1; i <= n; i++) {
    const t0 = performance.now();
    await page.click('button[data-action=fire]');
    for (const [k, c] of cells.entries()) {
      await page.getByTestId(c).filter({ hasText: new RegExp(`^${base[k]! + i}$`) }).waitFor({ timeout: 30_000 });
      ms[k]!.push(performance.now() - t0);
    }
  }
  return ms;
}

function stats(ms: number[]): { median: number; p90: number } {
  const s = [...ms].sort((a, b) => a - b);
  return { median: s[Math.floor(s.length / 2)]!, p90: s[Math.floor(s.length * 0.9)]! };
}

export async function benchInspector(build: QemuBuild): Promise<void> {
  const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: ['--no-sandbox'] });
  try {
    const inspector = await startInspector({ build, plugin: e1000e });
    let here: { median: number; p90: number };
    try {
      const page = await browser.newPage();
      await page.goto(inspector.url);
      here = stats((await timeFires(page, FIRES, ['deliveries-0']))[0]!);
    } finally {
      await inspector.close();
    }
    console.log(`\ninspector (e1000e, QEMU ${build.label})`);
    console.log(`  emulated, here: click Fire to the delivery on the page: median ${here.median.toFixed(0)} ms, p90 ${here.p90.toFixed(0)} ms over ${FIRES} (goal < 100 ms: ${here.median < 100 ? 'meets goal' : 'BELOW GOAL'})`);

    const box = execa(process.execPath, [MAIN, 'inspect', '--box', '--device', 'e1000e', '--qemu', build.spec], { reject: false, all: true });
    try {
      const url = await printedUrl(box, /open (http:\/\/127\.0\.0\.1:\d+\/\?token=\w+)/);
      const page = await browser.newPage();
      await page.goto(url);
      const [delivery, host] = (await timeFires(page, BOX_FIRES, ['deliveries-0', 'host-count-msix-0'])).map(stats);
      console.log(`  passed through in the box (TCG inside TCG, page forwarded): click Fire to the delivery: median ${delivery!.median.toFixed(0)} ms (x${(delivery!.median / here.median).toFixed(1)} of emulated), p90 ${delivery!.p90.toFixed(0)} ms; to the host's vfio-msix[0] count: median ${host!.median.toFixed(0)} ms, p90 ${host!.p90.toFixed(0)} ms over ${BOX_FIRES}`);
    } finally {
      box.kill('SIGINT');
      await box;
    }
  } finally {
    await browser.close();
  }
}
