/**
 * The field page in a real browser (Debian's headless Chromium, driven by
 * playwright-core), opened through simulated setups as a user behind that
 * network would open the origin's public URL:
 *  - through strip-upgrade, the page shows WebSocket broken and why, the rest
 *    working, and Socket.IO and SockJS (mounted on the origin) falling back;
 *  - through nginx-default-like, it shows the matrix the setup's expectations
 *    name, and the report it sends back is schema-valid and what
 *    `pushthrough reports` retrieves.
 * Screenshots go to test-artifacts/ for a person to look at.
 */
import fs from 'node:fs';
import path from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { startOrigin, type RunningOrigin } from '../../../src/origin/server';
import { startProxy, type RunningProxy } from '../../../src/run/front';
import { fieldRoutes } from '../../../src/run/field';
import { simulatedSetups } from '../../../src/run/setups';
import type { Report } from '../../../src/report/types';
import { validateReport } from '../../../src/report/validate';
import { runCli } from '../../helpers/cli';
import { CHROMIUM, describeWith, needChromium } from '../../helpers/needs';
import { REPO_ROOT } from '../../helpers/paths';

const ARGS = ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'];
const ARTIFACTS = path.join(REPO_ROOT, 'test-artifacts');
/** The page's own checks take about 15 s; a loaded machine gets three times that. */
const PAGE_DEADLINE_MS = 60_000;

jest.setTimeout(180_000);

interface PageState {
  finished?: boolean;
  error?: string;
  report?: Report;
  sentId?: string;
}

/** The page's state, which web/field.html keeps on window. Read with functions, not strings (the page's CSP forbids eval), each self-contained (they run in the page). */
type PageWindow = { __pushthrough?: PageState };

describeWith([needChromium()], 'the field page in headless Chromium, through a simulated setup', () => {
  let browser: Browser | undefined;
  let origin: RunningOrigin;
  const proxies: RunningProxy[] = [];

  beforeAll(async () => {
    fs.mkdirSync(ARTIFACTS, { recursive: true });
    // The libraries mounted, as `pushthrough origin --libraries socket.io,sockjs` does: the page runs their clients too.
    origin = await startOrigin({ port: 0, routes: fieldRoutes({ libraries: ['socket.io', 'sockjs'] }), libraries: ['socket.io', 'sockjs'] });
    browser = await chromium.launch({ executablePath: CHROMIUM, args: ARGS, timeout: 60_000 });
  });
  afterAll(async () => {
    await browser?.close();
    await Promise.all(proxies.map((p) => p.close()));
    await origin?.close();
  });

  /** The setup in front of the origin, with the matrix's timing (its products' timeouts times 1/50). */
  async function through(id: string): Promise<RunningProxy> {
    const p = await startProxy({ setup: id, target: origin.url, scale: 0.02 });
    proxies.push(p);
    return p;
  }

  /** Opens the page, waits for its verdicts, and records what went wrong in the page and every host it asked. */
  async function openPage(url: string, width = 1280): Promise<{ page: Page; state: PageState; problems: string[]; hosts: Set<string> }> {
    const page = await browser!.newPage({ viewport: { width, height: 900 } });
    const problems: string[] = [];
    const hosts = new Set<string>();
    page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
    page.on('request', (r) => hosts.add(new URL(r.url()).host));
    await page.goto(url, { waitUntil: 'load', timeout: PAGE_DEADLINE_MS });
    await page.waitForFunction(() => (globalThis as unknown as PageWindow).__pushthrough?.finished === true, null, { timeout: PAGE_DEADLINE_MS });
    const state = await page.evaluate(() => (globalThis as unknown as PageWindow).__pushthrough!);
    return { page, state, problems, hosts };
  }

  /** The verdict and sentence the page shows for a transport (as a person reads it). */
  async function row(page: Page, transport: string): Promise<{ verdict: string; why: string }> {
    const tr = page.locator(`#rows tr[data-transport="${transport}"]`);
    return { verdict: await tr.locator('td.verdict').innerText(), why: await tr.locator('td.why').innerText() };
  }

  it('through strip-upgrade: WebSocket broken, with the reason, and the other three working', async () => {
    const proxy = await through('strip-upgrade');
    const { page, state, problems, hosts } = await openPage(`${proxy.url}/`);
    try {
      expect(state.error).toBeUndefined();
      expect(problems).toEqual([]);
      // Nothing but the origin's host (through the proxy) was asked for anything.
      expect([...hosts]).toEqual([new URL(proxy.url).host]);
      const ws = await row(page, 'websocket');
      expect(ws.verdict).toBe('✗ Broken');
      expect(ws.why).toMatch(/forwarded the handshake as a plain GET \(the origin saw no Upgrade header\)/);
      expect(ws.why).toMatch(/What fixes it\s+Fall back to SSE or long polling/);
      for (const t of ['short-poll', 'long-poll']) expect((await row(page, t)).verdict).toBe('✓ Works');
      // SSE works, but over HTTP/1.1 the browser's own 6-connection limit holds a 7th stream back.
      const sse = await row(page, 'sse');
      expect(sse.verdict).toBe('◐ Works with problems');
      expect(sse.why).toMatch(/6 of 7 streams to one host delivered/);
      // Socket.IO and SockJS, their own browser clients loaded from the origin, fall back from the broken WebSocket.
      for (const l of ['socket.io', 'sockjs']) {
        const lib = await row(page, l);
        expect(lib.verdict).toBe('◐ Works with problems');
        expect(lib.why).toMatch(/It ended on (polling|xhr-streaming|xhr-polling)\./);
        expect(lib.why).toMatch(/fell back because WebSocket fails here \(upgrade-stripped\)/);
      }
      expect(await page.locator('#status').innerText()).toMatch(/^Done: Server-Sent Events, WebSocket, Socket\.IO, SockJS have problems on this network/);
      await page.screenshot({ path: path.join(ARTIFACTS, 'field-page-strip-upgrade.png'), fullPage: true });
      await page.setViewportSize({ width: 390, height: 844 });
      // A phone: no sideways scrolling.
      const overflow = await page.evaluate(() => {
        const root = (globalThis as unknown as { document: { documentElement: { scrollWidth: number; clientWidth: number } } }).document.documentElement;
        return root.scrollWidth - root.clientWidth;
      });
      expect(overflow).toBeLessThanOrEqual(0);
      await page.screenshot({ path: path.join(ARTIFACTS, 'field-page-strip-upgrade-phone.png'), fullPage: true });
    } finally {
      await page.close();
    }
  });

  it('through nginx-default-like: the matrix its expectations name, a schema-valid report sent back, and `pushthrough reports` retrieves it', async () => {
    const proxy = await through('nginx-default-like');
    const { page, state, problems } = await openPage(`${proxy.url}/`);
    try {
      expect(state.error).toBeUndefined();
      expect(problems).toEqual([]);
      const report = state.report!;
      expect(validateReport(report)).toBeNull();
      expect(report.kind).toBe('field');
      expect(report.field?.userAgent).toMatch(/HeadlessChrome/);
      // The browser's cells are what the Node clients measure through this setup (its expectations file).
      const setup = simulatedSetups().find((s) => s.id === 'nginx-default-like')!;
      const cells = report.setups[0]!.cells;
      expect(Object.fromEntries(cells.filter((c) => !c.library).map((c) => [c.transport, { verdict: c.verdict, reason: c.reason }]))).toEqual(setup.expect);
      // The libraries: Socket.IO falls back to polling, SockJS to one of its HTTP transports, as the websocket cell foretells.
      for (const l of ['socket.io', 'sockjs']) expect(cells.find((c) => c.library === l)).toMatchObject({ client: 'browser', measured: { connected: true, reachedWebsocket: false, consistentWithTransports: true } });
      expect(cells.every((c) => c.client === 'browser')).toBe(true);
      await page.screenshot({ path: path.join(ARTIFACTS, 'field-page-nginx-default-like.png'), fullPage: true });

      await page.click('#send');
      await page.waitForFunction(() => (globalThis as unknown as PageWindow).__pushthrough?.sentId !== undefined, null, { timeout: PAGE_DEADLINE_MS });
      const id = (await page.evaluate(() => (globalThis as unknown as PageWindow).__pushthrough!.sentId))!;
      expect(await page.locator('#sent').innerText()).toContain(id);

      const list = await runCli(['reports', origin.url]);
      expect(list.code).toBe(0);
      expect(list.stdout).toContain(id);
      expect(list.stdout).toMatch(/sse fail \(buffered\), websocket fail \(upgrade-stripped\), long-poll degraded/);
      const one = await runCli(['reports', origin.url, 'latest', '--format', 'json']);
      expect(one.code).toBe(0);
      const fetched = JSON.parse(one.stdout) as Report;
      expect(validateReport(fetched)).toBeNull();
      expect(fetched.field).toMatchObject({ id, userAgent: report.field!.userAgent });
      expect(fetched.setups).toEqual(report.setups);
      const table = await runCli(['reports', origin.url, id]);
      expect(table.stdout).toMatch(/^field\s+✔\s+▲ idle cut\s+✘ buffered\s+✘ no upgrade\s+▲ \S+ \S+\s+▲ \S+ \S+$/m);
      expect(table.stdout).toMatch(/^Field report from a browser that opened http:\/\/127\.0\.0\.1:\d+\/, received /);
    } finally {
      await page.close();
    }
  });
});
