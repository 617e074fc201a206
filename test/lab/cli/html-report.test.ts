/**
 * The "done when", as a user runs it: `pushthrough run --format html
 * --out report.html` on real setups, opened in Debian's headless Chromium —
 * no console errors, the matrix, a cell's chart and its fix.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { chromium, type Browser } from 'playwright-core';
import { runCli } from '../../helpers/cli';
import { CHROMIUM, describeWith, needChromium } from '../../helpers/needs';

const ARGS = ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'];
describeWith([needChromium()], 'an HTML report in Chromium', () => {
  let browser: Browser | undefined;
  let tmp: string;

  beforeAll(async () => {
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'pushthrough-html-run-'));
    browser = await chromium.launch({ executablePath: CHROMIUM, args: ARGS, timeout: 60_000 });
  }, 70_000);
  afterAll(async () => {
    await browser?.close();
    fs.rmSync(tmp, { recursive: true, force: true });
  });

  it('a run rendered as HTML opens without errors and shows the matrix, a chart and the fix', async () => {
    const out = path.join(tmp, 'report.html');
    const res = await runCli(['run', '--setups', 'direct,nginx-default-like', '--idle', '1.5', '--hold', '1.5', '--format', 'html', '--out', out], { timeoutMs: 60_000 });
    expect(res.code).toBe(0);
    const page = await browser!.newPage();
    const errors: string[] = [];
    page.on('console', (m) => m.type() === 'error' && errors.push(m.text()));
    page.on('pageerror', (e) => errors.push(e.message));
    const requests: string[] = [];
    page.on('request', (r) => requests.push(r.url()));
    await page.goto(pathToFileURL(out).href);
    await expect(page.locator('table').first().textContent()).resolves.toMatch(/nginx-default-like/);
    await page.locator('a[href*="nginx-default-like"][href*="sse"]').first().click();
    const detail = page.locator(':target');
    await detail.waitFor({ state: 'visible', timeout: 10_000 });
    expect(await detail.locator('svg').count()).toBeGreaterThan(0);
    expect(await detail.textContent()).toMatch(/X-Accel-Buffering/);
    expect(await detail.textContent()).toMatch(/proxy_buffering off/);
    fs.mkdirSync('test-artifacts', { recursive: true });
    await page.screenshot({ path: path.join('test-artifacts', 'run-report-cell.png') });
    await page.close();
    expect(errors).toEqual([]);
    // Self-contained: the file itself is the only thing the page loads.
    expect(requests.filter((u) => !u.startsWith('file:') && !u.startsWith('data:'))).toEqual([]);
  }, 90_000);
});
