/**
 * What reached the origin, per probe id. A report can then say "the proxy
 * removed the Upgrade header" from evidence instead of guessing. The values
 * of Authorization, Cookie and Proxy-Authorization are never kept: a caller
 * who knows a probe id learns only that they were sent, and their size.
 */
import type { IncomingMessage } from 'node:http';
import type { SeenRequest } from '../protocol/seen';

const MAX_PROBES = 5000;
/** Credentials are evidence only in that they were sent: /_seen never hands out their values. */
const CREDENTIALS = new Set(['authorization', 'cookie', 'proxy-authorization', 'x-pushthrough-token']);
const MAX_PER_PROBE = 200;
const MAX_HEADER_CHARS = 512;

export class SeenLog {
  private readonly byProbe = new Map<string, SeenRequest[]>();

  record(probe: string | undefined, req: Pick<IncomingMessage, 'headers' | 'url'> & Partial<Pick<IncomingMessage, 'method' | 'httpVersion'>>, upgraded: boolean): void {
    if (!probe) return;
    let list = this.byProbe.get(probe);
    if (!list) {
      if (this.byProbe.size >= MAX_PROBES) {
        // Oldest first: Map keeps insertion order.
        const oldest = this.byProbe.keys().next().value;
        if (oldest !== undefined) this.byProbe.delete(oldest);
      }
      list = [];
      this.byProbe.set(probe, list);
    }
    if (list.length >= MAX_PER_PROBE) return;
    const headers: Record<string, string> = {};
    for (const [k, v] of Object.entries(req.headers)) {
      if (v === undefined) continue;
      const value = Array.isArray(v) ? v.join(', ') : v;
      headers[k] = CREDENTIALS.has(k) ? `present, ${Buffer.byteLength(value)} bytes` : value.slice(0, MAX_HEADER_CHARS);
    }
    list.push({
      at: Date.now(),
      method: req.method ?? '',
      path: (req.url ?? '').replace(/([?&]token=)[^&]*/g, '$1(redacted)').slice(0, 1000),
      httpVersion: req.httpVersion ?? '',
      headers,
      upgraded,
    });
  }

  get(probe: string): SeenRequest[] {
    return this.byProbe.get(probe) ?? [];
  }
}
