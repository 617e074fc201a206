/**
 * Brings a setup up in front of the origin(s) and down again. The probe only
 * ever sees the resulting target URL: it does not care whether a proxy, which
 * one, or none sits in front of the origin.
 */
import { startOrigin, type OriginOptions, type RunningOrigin } from '../origin/server';
import { runThrowawayTls } from '../util/certs';
import { DIRECT_SETUP, type Setup } from '../setup/types';
import { startSimulatedProxy } from '../proxy/simulated/simulated-proxy';
import { startH2PassThrough } from '../proxy/h2/pass-through';
import { ProxyStartError, ProxyUnavailable, startRealProxy } from '../proxy/real/launcher';
import { runnableProduct } from '../proxy/real/products';
import { FirewallUnavailable, startFirewall } from '../proxy/firewall/firewall';
import { tlsOptionsFor, type ProbeTarget, type TlsTrust } from '../client/target';
import { httpAnswerError, waitForHttp } from '../util/net';
import { isCertificateError } from '../util/tls-errors';

export interface ActiveSetup {
  target: ProbeTarget;
  /** the origin itself, for /_seen without the proxy in between */
  originUrl?: string;
  product?: string;
  logs(): string[];
  stop(): Promise<void>;
  /** set when something of the tester's broke while probing (what was measured says nothing about the setup); its helpers' word on it is all in when it resolves */
  testerProblem?(): Promise<string | undefined>;
}

/** A real product whose binary is not here. */
export interface NotInstalled {
  product: string;
  label: string;
  install: string;
}

/** The setup could not be brought up through no fault of the proxy's behaviour. */
export class SetupUnavailable extends Error {
  constructor(
    message: string,
    readonly verdict: 'skipped' | 'error',
    readonly logs: string[] = [],
    readonly notInstalled?: NotInstalled,
  ) {
    super(message);
  }
}

export interface BringUpOptions {
  via?: string;
  /** a missing proxy binary is an error, not a skip (CI: PUSHTHROUGH_REQUIRE_PROXIES=1, --require-real) */
  requireReal?: boolean;
  /** wait this long for an external setup to answer before probing it (the lab's services start together) */
  waitMs?: number;
  /** what https clients trust beyond Node's store (--ca, --insecure): the wait for an external https setup trusts the same */
  tls?: TlsTrust;
  /** what an origin started for one setup serves besides the transports: the field page a browser client loads, the libraries */
  originExtras?: Pick<OriginOptions, 'routes' | 'libraries'>;
}

export async function bringUp(setup: Setup, origins: RunningOrigin[], opts: BringUpOptions = {}): Promise<ActiveSetup> {
  const origin = origins[0];
  const via = opts.via;
  switch (setup.kind) {
    case 'direct': {
      if (!setup.tls) return { target: { baseUrl: origin.url, via }, originUrl: origin.url, logs: () => [], stop: async () => {} };
      const made = await runThrowawayTls();
      const front = await startH2PassThrough({ target: origin.url, tls: { cert: made.cert, key: made.key } });
      return { target: { baseUrl: front.url, via, tls: { ca: [made.ca] } }, originUrl: origin.url, logs: () => [], stop: () => front.close() };
    }
    case 'external':
      if (!setup.url) throw new SetupUnavailable(`setup ${setup.id} has no url`, 'error');
      if (opts.waitMs) {
        const health = `${setup.url.replace(/\/$/, '')}/health`;
        const clientTls = tlsOptionsFor({ baseUrl: setup.url, tls: opts.tls });
        const trust = { secureContext: clientTls?.secureContext, insecure: clientTls?.rejectUnauthorized === false };
        if (!(await waitForHttp(health, opts.waitMs, undefined, trust))) {
          // An answer whose certificate is not trusted is the tester's setting, not a service that is down.
          const code = await httpAnswerError(health, 5_000, trust);
          if (isCertificateError(code)) throw new SetupUnavailable(`the certificate at ${setup.url} is not trusted (${code}): give --ca FILE with its CA certificate, or --insecure`, 'error');
          throw new SetupUnavailable(`nothing answered HTTP at ${setup.url} within ${Math.round(opts.waitMs / 1000)} s (--wait): is it running?`, 'error');
        }
      }
      return { target: { baseUrl: setup.url, via }, logs: () => [], stop: async () => {} };
    case 'simulated': {
      const n = Math.max(1, setup.origins ?? 1);
      const made = setup.tls ? await runThrowawayTls() : undefined;
      const proxy = await startSimulatedProxy({
        targets: origins.slice(0, n).map((o) => o.url),
        faults: setup.faults ?? [],
        ...(made ? { tls: { cert: made.cert, key: made.key }, http2: setup.http2 } : {}),
      });
      // With several origins behind it, /_seen must go through the proxy's
      // balancing too; with one, ask the origin directly.
      const target: ProbeTarget = { baseUrl: proxy.url, via, ...(made ? { tls: { ca: [made.ca] } } : {}) };
      return { target, originUrl: n === 1 ? origin.url : undefined, logs: () => proxy.logs(), stop: () => proxy.close() };
    }
    case 'real': {
      if (!setup.real) throw new SetupUnavailable(`setup ${setup.id} names no product/template`, 'error');
      // Behind a forward proxy, an origin of its own that serves https with the run's throwaway certificate.
      const tlsOrigin = setup.real.originTls ? await startTlsOrigin(opts.originExtras) : undefined;
      const behind = tlsOrigin?.origin ?? origin;
      // Reached by name, as https sites are: a TLS-inspecting proxy mimics the origin certificate's DNS names (Squid 5 drops its IP addresses).
      const behindUrl = tlsOrigin ? behind.url.replace('//127.0.0.1:', '//localhost:') : behind.url;
      try {
        const proxy = await startRealProxy({ product: setup.real.product, templatePath: setup.real.template, originHost: behind.host, originPort: behind.port });
        const product = `${proxy.product} ${proxy.version}`.trim();
        // A forward proxy is gone through, to the origin: the corporate-proxy case.
        // A TLS front presents the run's throwaway certificate: its clients trust that CA.
        const target: ProbeTarget = setup.real.forward
          ? { baseUrl: behindUrl, via: proxy.url, ...(tlsOrigin ? { tls: { ca: [tlsOrigin.ca] } } : {}) }
          : { baseUrl: proxy.url, via, ...(proxy.ca ? { tls: { ca: [proxy.ca] } } : {}) };
        const stop = async (): Promise<void> => {
          try {
            await proxy.stop();
          } finally {
            await tlsOrigin?.origin.close();
          }
        };
        return { target, originUrl: behindUrl, product, logs: () => proxy.logs(), stop };
      } catch (err) {
        await tlsOrigin?.origin.close();
        if (err instanceof ProxyUnavailable) {
          const p = runnableProduct(setup.real.product);
          const notInstalled = { product: setup.real.product, label: p?.label ?? setup.real.product, install: err.installHint };
          if (opts.requireReal) throw new SetupUnavailable(`${err.message} and real proxies are required here (--require-real / PUSHTHROUGH_REQUIRE_PROXIES=1) — install it: ${err.installHint}`, 'error', [], notInstalled);
          throw new SetupUnavailable(`${err.message} — install it: ${err.installHint}, or every proxy with npm run lab:install`, 'skipped', [], notInstalled);
        }
        if (err instanceof ProxyStartError) throw new SetupUnavailable(`the proxy did not start: ${err.message}`, 'error', err.logs);
        throw err;
      }
    }
    case 'firewall':
      return firewall(setup, origins, opts);
  }
}

/** An origin serving https and wss with the run's throwaway certificate, and the CA that signed it. */
async function startTlsOrigin(extras: BringUpOptions['originExtras'] = {}): Promise<{ origin: RunningOrigin; ca: string }> {
  const made = await runThrowawayTls();
  return { origin: await startOrigin({ port: 0, tls: { cert: made.cert, key: made.key }, ...extras }), ca: made.ca };
}

/** The kernel's firewall in front of the origin, or in front of the setup it stands over (a layered path). */
async function firewall(setup: Setup, origins: RunningOrigin[], opts: BringUpOptions): Promise<ActiveSetup> {
  if (!setup.firewall) throw new SetupUnavailable(`setup ${setup.id} has no firewall`, 'error');
  if (setup.over && !setup.inner) throw new SetupUnavailable(`setup ${setup.id}: the setup it stands over ('${setup.over}') was not resolved`, 'error');
  const inner = setup.inner ? await bringUp(setup.inner, origins, { ...opts, via: undefined }) : await bringUp(DIRECT_SETUP, origins, opts);
  const upstream = new URL(inner.target.baseUrl);
  try {
    const fw = await startFirewall(setup.firewall, { host: upstream.hostname, port: Number(upstream.port || 80) });
    return {
      target: { baseUrl: fw.url, via: opts.via },
      originUrl: inner.originUrl,
      product: inner.product,
      logs: () => [...fw.logs(), ...inner.logs()],
      testerProblem: async () => (await fw.testerProblem()) ?? (await inner.testerProblem?.()),
      stop: async () => {
        await fw.stop();
        await inner.stop();
      },
    };
  } catch (err) {
    await inner.stop();
    if (err instanceof FirewallUnavailable) throw new SetupUnavailable(`${err.message}; firewall setups are skipped here`, 'skipped');
    throw new SetupUnavailable(`the firewall did not start: ${(err as Error).message}`, 'error');
  }
}
