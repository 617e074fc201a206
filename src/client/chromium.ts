/**
 * Headless Chromium as a client (`run --clients node,chromium`): Debian's
 * /usr/bin/chromium driven by playwright-core (no browser download). For each
 * setup it opens the origin's field page *through the setup* (same origin, so
 * the page's requests take the path an app's would) in a fresh browser
 * context — its own connection pools and cache — and runs the page's probe
 * (web/probe.js) with the browser's own fetch, EventSource and WebSocket.
 * It returns the page's observations; grading is src/checks' and src/verdict's.
 *
 * The browser is one process group of our own (playwright starts it detached),
 * recorded in the run registry so that even a SIGKILLed run's browser is
 * reaped by the next command.
 */
import fs from 'node:fs';
import type { Browser, BrowserServer } from 'playwright-core';
import type { LibraryObservation, Observation, Transport } from '../observation/types';
import { runRegistry } from '../util/run-registry';
import { CONNECT_REFUSED, type Library } from '../vocabulary';
import { fetchSeen } from './http';
import { uniqueId, type ProbeTarget } from './target';

export const CHROMIUM_PATH = process.env.PUSHTHROUGH_CHROMIUM ?? '/usr/bin/chromium';
export const CHROMIUM_INSTALL = 'apt-get install -y chromium';

/** The flags for a headless browser that talks to nothing but the setup. */
const ARGS = ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run', '--disable-dev-shm-usage'];

/** The page's probe timing (a subset of ProbeOptions, as web/probe.js reads it). */
export interface PageProbeOptions {
  idleMs: number;
  holdMs: number;
  deliveryCount: number;
  deliveryIntervalMs: number;
  graceMs: number;
  connectTimeoutMs: number;
  pollEveryMs: number;
  heartbeatMs: number;
  largeBytes: number;
  largeTimeoutMs: number;
}

/** What a browser's run of one setup gave: observations, or why there are none (the tester's problem, one sentence). */
export type BrowserProbe = { observations: Observation[]; libraries?: LibraryObservation[] } | { testerError: string };

export interface ChromiumClient {
  /** the browser's version, e.g. "156.0.7488.0" */
  version: string;
  /** `originUrl`: the origin itself, to ask what reached it without the path in between */
  probe(target: ProbeTarget, transports: Transport[], options: PageProbeOptions, originUrl?: string, libraries?: readonly Library[]): Promise<BrowserProbe>;
  close(): Promise<void>;
}

/** Why Chromium cannot be used here, with the fix; undefined when it can. */
export function chromiumMissing(): string | undefined {
  if (!fs.existsSync(CHROMIUM_PATH)) return `Chromium is not installed (${CHROMIUM_PATH}): ${CHROMIUM_INSTALL}`;
  try {
    require.resolve('playwright-core');
  } catch {
    return 'playwright-core is not installed: npm install playwright-core';
  }
  return undefined;
}

/**
 * Chromium's errors for a page the path refused, as the codes the Node
 * clients record for the same refusal (so one grader reads both); other
 * errors are the tester's. ERR_CONNECTION_REFUSED is nothing listening: the
 * tester's problem, as for the Node clients (src/verdict/answers.ts).
 */
export function pageRefused(message: string): { code: string; message: string } | undefined {
  const err = /net::(ERR_[A-Z_]+)/.exec(message)?.[1];
  if (err === 'ERR_TUNNEL_CONNECTION_FAILED') return { code: CONNECT_REFUSED, message: `the forward proxy refused the CONNECT tunnel (Chromium: net::${err}; a browser does not show its status)` };
  // A RST while connecting or at the first request: Chromium names it one of these, depending on when it came.
  if (err === 'ERR_CONNECTION_RESET' || err === 'ERR_SOCKET_NOT_CONNECTED' || err === 'ERR_CONNECTION_ABORTED') return { code: 'ECONNRESET', message: `the connection was reset loading the page (Chromium: net::${err})` };
  if (err === 'ERR_CONNECTION_REFUSED') return { code: 'ECONNREFUSED', message: `nothing accepted the connection for the page (Chromium: net::${err})` };
  return undefined;
}

/** The longest a page's probe may take: its longest check and the seven-stream check after it, with room for a slow start. */
function pageDeadlineMs(o: PageProbeOptions, libraries: number): number {
  const librariesMs = libraries ? o.deliveryCount * o.deliveryIntervalMs + o.idleMs + o.connectTimeoutMs + 2000 : 0;
  return Math.max(o.idleMs, o.holdMs) + o.graceMs + o.connectTimeoutMs + o.deliveryCount * o.deliveryIntervalMs * 3 + librariesMs + 30_000;
}

export async function launchChromium(): Promise<ChromiumClient> {
  const { chromium } = require('playwright-core') as typeof import('playwright-core');
  const server: BrowserServer = await chromium.launchServer({ executablePath: CHROMIUM_PATH, args: ARGS, headless: true, timeout: 60_000, handleSIGINT: false, handleSIGTERM: false, handleSIGHUP: false });
  const pid = server.process().pid;
  const forget = pid ? runRegistry.process(pid, 'chromium (run --clients)') : () => undefined;
  let browser: Browser;
  try {
    browser = await chromium.connect(server.wsEndpoint(), { timeout: 30_000 });
  } catch (err) {
    await server.close();
    forget();
    throw err;
  }
  return {
    version: browser.version(),
    async probe(target, transports, options, originUrl, libraries = []) {
      const insecure = target.tls?.insecure === true || (target.tls?.ca?.length ?? 0) > 0;
      const context = await browser.newContext({
        // The run's own CA (or --insecure): Chromium has no --ca; it trusts what the Node clients were told to trust.
        ignoreHTTPSErrors: insecure,
        // Chromium goes around a proxy for loopback addresses unless told not to: every test address here is one.
        ...(target.via ? { proxy: { server: target.via, bypass: '<-loopback>' } } : {}),
      });
      try {
        const page = await context.newPage();
        // The origin's page, under the path the origin is mounted at, if any.
        const url = new URL('./', target.baseUrl.endsWith('/') ? target.baseUrl : `${target.baseUrl}/`);
        url.searchParams.set('auto', '0');
        if (target.token) url.searchParams.set('token', target.token);
        const pageProbe = uniqueId('page');
        url.searchParams.set('probe', pageProbe);
        let status: number | undefined;
        const startedAt = Date.now();
        try {
          const res = await page.goto(url.toString(), { timeout: options.connectTimeoutMs + 5000, waitUntil: 'load' });
          status = res?.status();
        } catch (err) {
          const message = (err as Error).message.split('\n')[0];
          const refused = pageRefused(message);
          if (!refused) return { testerError: `Chromium could not load the origin's page through this setup (${message}): its checks need the page served through the path` };
          // The path refused the page itself: that is what a user of the app would see, on every transport.
          const seen = originUrl ? await fetchSeen(target, pageProbe, originUrl) : undefined;
          const answer = { atMs: Date.now() - startedAt, error: refused };
          return { observations: transports.map((transport) => ({ transport, check: 'connect' as const, startedAt, durationMs: answer.atMs, answers: [answer], arrivals: [], ends: [], seen, protocol: { tls: url.protocol === 'https:' } })) };
        }
        const ready = await page.evaluate(() => typeof (globalThis as { PushthroughProbe?: unknown }).PushthroughProbe === 'object').catch(() => false);
        if (!ready) return { testerError: `Chromium got HTTP ${status ?? '?'} for the origin's page through this setup, not the page itself: its checks need the page served through the path` };
        const deadline = pageDeadlineMs(options, libraries.length);
        type Probed = { obs: Observation; probe?: string };
        type Page = {
          PushthroughProbe: { run(cfg: unknown): Promise<Array<Observation & { probeId?: string }>>; runLibraries(cfg: unknown): Promise<Array<LibraryObservation & { probeId?: string }>> };
          location: { href: string };
        };
        const run = page
          .evaluate(
            async ({ transports, options, libraries }) => {
              const g = globalThis as unknown as Page;
              const cfg = { base: g.location.href, token: new URL(g.location.href).searchParams.get('token') ?? undefined, transports, options, libraries };
              const observations = (await g.PushthroughProbe.run(cfg)).map((obs) => ({ obs, probe: obs.probeId }));
              // The libraries after the transports' checks, as the Node clients run them.
              const libs = libraries.length ? (await g.PushthroughProbe.runLibraries(cfg)).map((obs) => ({ obs, probe: obs.probeId })) : [];
              return { observations, libs };
            },
            { transports, options, libraries: [...libraries] },
          )
          .then(async ({ observations, libs }) => {
            // What reached the origin, asked of the origin itself as the Node clients do: a path that refuses requests would refuse the page's question too.
            const withSeen = async <T extends { seen?: unknown }>(list: Array<{ obs: T; probe?: string }>): Promise<T[]> => {
              if (originUrl) await Promise.all(list.map(async (x) => x.probe && (x.obs.seen = await fetchSeen(target, x.probe, originUrl))));
              return list.map((x) => x.obs);
            };
            return { observations: await withSeen(observations as Probed[]), libraries: await withSeen(libs) };
          });
        let timer: NodeJS.Timeout | undefined;
        const timeout = new Promise<BrowserProbe>((resolve) => {
          timer = setTimeout(() => resolve({ testerError: `Chromium's checks did not finish within ${Math.round(deadline / 1000)} s` }), deadline);
        });
        try {
          return await Promise.race([run, timeout]);
        } catch (err) {
          return { testerError: `Chromium's checks crashed in the page: ${(err as Error).message.split('\n')[0]}` };
        } finally {
          clearTimeout(timer);
        }
      } finally {
        await context.close().catch(() => undefined);
      }
    },
    async close() {
      await browser.close().catch(() => undefined);
      await server.close().catch(() => undefined);
      forget();
    },
  };
}
