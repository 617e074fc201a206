/**
 * HTTP for the probes: Node's built-in fetch (undici), optionally through a
 * forward proxy. Using the global fetch keeps unit tests able to intercept it.
 */
import { ProxyAgent } from 'undici';
import type { SeenRequest } from '../observation/types';
import { endpointUrl, type ProbeTarget } from './target';

const agents = new Map<string, ProxyAgent>();

function dispatcherFor(via: string | undefined): ProxyAgent | undefined {
  if (!via) return undefined;
  let a = agents.get(via);
  if (!a) {
    a = new ProxyAgent(via);
    agents.set(via, a);
  }
  return a;
}

/** A fetch bound to the target's forward proxy (if any). */
export function fetchFor(target: ProbeTarget): typeof fetch {
  const dispatcher = dispatcherFor(target.via);
  if (!dispatcher) return (input, init) => fetch(input, init);
  return (input, init) => fetch(input, { ...init, dispatcher } as unknown as RequestInit);
}

/** Closes the forward-proxy connection pools (end of a run). */
export async function closeAgents(): Promise<void> {
  const all = [...agents.values()];
  agents.clear();
  await Promise.all(all.map((a) => a.close().catch(() => undefined)));
}

/**
 * Asks the origin what reached it for one probe id. `originUrl` (the origin
 * itself, when the tester started it) is preferred: through a caching proxy
 * the answer could be stale. Records are filtered on the probe id in their
 * path, so even a cache that ignores the query string cannot mix them up.
 */
export async function fetchSeen(target: ProbeTarget, probeId: string, originUrl?: string): Promise<SeenRequest[] | undefined> {
  const t: ProbeTarget = originUrl ? { baseUrl: originUrl, token: target.token } : target;
  const url = endpointUrl(t, '/_seen', { id: probeId, nocache: Date.now() });
  try {
    const res = await fetchFor(t)(url, { signal: AbortSignal.timeout(3000) });
    if (res.status !== 200) return undefined;
    const body = (await res.json()) as { requests?: SeenRequest[] };
    return (body.requests ?? []).filter((r) => r.path.includes(`probe=${probeId}`));
  } catch {
    return undefined;
  }
}
