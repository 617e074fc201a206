/**
 * The HTML report in a real browser: Debian's headless Chromium driven by
 * playwright-core (no browser download). Proves the page loads offline with
 * no console errors and no network requests, that a cell opens its detail by
 * click and by keyboard, that the timeline SVG renders, and saves
 * screenshots to test-artifacts/ for a human to look at.
 */
import fs from 'node:fs';
import { REPO_ROOT } from '../../../helpers/paths';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { chromium, type Browser, type Page } from 'playwright-core';
import { renderHtml } from '../../../../src/report/render/html';
import { loadReport } from '../../../helpers/golden';
import { CHROMIUM, describeWith, needChromium } from '../../../helpers/needs';

const ARGS = ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'];
const ARTIFACTS = path.join(REPO_ROOT, 'test-artifacts');
const DEADLINE_MS = 20_000;

jest.setTimeout(120_000);

describeWith([needChromium()], 'HTML report in headless Chromium', () => {
  let browser: Browser | undefined;
  let dir: string;
  let url: string;

  beforeAll(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pushthrough-html-'));
    const file = path.join(dir, 'report.html');
    fs.writeFileSync(file, renderHtml(loadReport('sample-run.json')));
    url = pathToFileURL(file).href;
    fs.mkdirSync(ARTIFACTS, { recursive: true });
    browser = await chromium.launch({ executablePath: CHROMIUM, args: ARGS, timeout: 60_000 });
  });

  afterAll(async () => {
    await browser?.close();
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
  });

  /** A page that records console errors, page errors and every request it makes. */
  async function open(width: number, colorScheme: 'light' | 'dark' = 'light'): Promise<{ page: Page; problems: string[]; requests: string[] }> {
    const page = await browser!.newPage({ viewport: { width, height: 900 }, colorScheme });
    const problems: string[] = [];
    const requests: string[] = [];
    page.on('console', (m) => {
      if (m.type() === 'error') problems.push(`console: ${m.text()}`);
    });
    page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
    page.on('requestfailed', (r) => problems.push(`request failed: ${r.url()} ${r.failure()?.errorText ?? ''}`));
    page.on('request', (r) => requests.push(r.url()));
    await page.goto(url, { waitUntil: 'load', timeout: DEADLINE_MS });
    return { page, problems, requests };
  }

  it('loads offline without errors, opens a cell on click and draws its timeline', async () => {
    const { page, problems, requests } = await open(1280);
    try {
      // The only request is the file itself: no fonts, scripts or images from anywhere.
      expect(requests).toEqual([url]);
      await page.locator('#matrix table.matrix').waitFor({ state: 'visible', timeout: DEADLINE_MS });
      const panel = page.locator('#c-nginx-default__sse');
      expect(await panel.isVisible()).toBe(false);
      expect(await page.locator('#details .placeholder').isVisible()).toBe(true);

      await page.click('a.cell[href="#c-nginx-default__sse"]');
      await panel.waitFor({ state: 'visible', timeout: DEADLINE_MS });
      const chart = panel.locator('svg.timeline').first();
      await chart.waitFor({ state: 'visible', timeout: DEADLINE_MS });
      const box = await chart.boundingBox();
      expect(box?.width).toBeGreaterThan(400);
      expect(box?.height).toBeGreaterThan(100);
      // 20 arrivals drawn as dots, and the staircase path exists
      expect(await panel.locator('svg.timeline .arrived-dots circle').count()).toBe(20);
      expect(await panel.locator('svg.timeline path.arrived').getAttribute('d')).toMatch(/^M/);
      expect(await panel.locator('h3').innerText()).toContain('sse via nginx-default');
      expect(await panel.locator('.fix pre').first().innerText()).toContain('proxy_buffering off;');
      expect(await panel.locator('.logs').isVisible()).toBe(true);
      // only the selected panel shows, and the script marks the selected cell
      expect(await page.locator('.detail:visible').count()).toBe(1);
      expect(await page.locator('#details .placeholder').isVisible()).toBe(false);
      expect(await page.locator('#m-c-nginx-default__sse').getAttribute('aria-current')).toBe('true');

      await page.screenshot({ path: path.join(ARTIFACTS, 'report-detail.png'), fullPage: true });
      await panel.screenshot({ path: path.join(ARTIFACTS, 'report-detail-panel.png') });
      expect(problems).toEqual([]);
    } finally {
      await page.close();
    }
  });

  it('works with the keyboard: Enter opens a cell, Escape returns to the matrix', async () => {
    const { page, problems } = await open(1280);
    try {
      const link = page.locator('#m-c-sim-idle__sse');
      await link.focus();
      await page.keyboard.press('Enter');
      const panel = page.locator('#c-sim-idle__sse');
      await panel.waitFor({ state: 'visible', timeout: DEADLINE_MS });
      // the idle panel shows the cut on its timeline
      await panel.locator('svg.timeline text.cut-label').waitFor({ state: 'visible', timeout: DEADLINE_MS });
      expect(await panel.locator('svg.timeline line.cut').count()).toBe(1);
      await page.keyboard.press('Escape');
      await panel.waitFor({ state: 'hidden', timeout: DEADLINE_MS });
      // (string expressions: the test compiles without the DOM lib)
      expect(await page.evaluate<string | undefined>('document.activeElement && document.activeElement.id')).toBe('m-c-sim-idle__sse');
      expect(problems).toEqual([]);
    } finally {
      await page.close();
    }
  });

  it('fits a narrow window: the matrix scrolls inside its frame, the page does not', async () => {
    const { page, problems } = await open(390, 'dark');
    try {
      await page.click('a.cell[href="#c-sim-idle__websocket"]');
      await page.locator('#c-sim-idle__websocket svg.timeline').first().waitFor({ state: 'visible', timeout: DEADLINE_MS });
      const overflow = await page.evaluate<number>('document.documentElement.scrollWidth - document.documentElement.clientWidth');
      expect(overflow).toBeLessThanOrEqual(0);
      await page.screenshot({ path: path.join(ARTIFACTS, 'report-narrow-dark.png'), fullPage: false });
      expect(problems).toEqual([]);
    } finally {
      await page.close();
    }
  });
});
