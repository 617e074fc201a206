/**
 * A load run as an Artillery scenario (`pushthrough load <url> --export
 * artillery`), for load one machine cannot make: the same streams, ramp and
 * hold, run by Artillery's workers (locally, or on its cloud runners).
 *
 *  - SSE and long polls: pushthrough's own engine, shipped in this package
 *    (artillery/artillery-engine-pushthrough, src/client/artillery-engine.ts),
 *    which measures delivery latency as `pushthrough load` does.
 *  - WebSocket: Artillery's own `ws` engine, which connects and holds
 *    (`think`). It sees only the handshake: no latency, and a WebSocket the
 *    path cuts while it waits still counts as held (engine_ws.js counts
 *    messages only as answers to its own `send`). The scenario says so.
 *  - The ramp: one phase that starts every virtual user evenly over it
 *    (`arrivalCount`); each holds its stream for the ramp plus the duration,
 *    so all of them are open together for at least the duration.
 *  - Thresholds: Artillery's ensure plugin, where there is a metric for them
 *    (https://www.artillery.io/docs/reference/extensions/ensure); `open`
 *    (streams open at once) has none and is left out, said in a comment.
 */
import path from 'node:path';
import YAML from 'yaml';
import type { LoadTransport } from '../vocabulary';
import type { Threshold } from '../verdict/load';
import type { LoadOptions } from './load';
import { PROJECT_ROOT } from '../util/paths';

/** The load as `pushthrough load` would run it, and the thresholds it would check. */
export type ArtilleryExportOptions = Pick<LoadOptions, 'url' | 'transports' | 'streams' | 'rampMs' | 'durationMs' | 'token' | 'insecure'> & { intervalMs: number; thresholds: Threshold[] };

/** Where Artillery finds `artillery-engine-pushthrough` when NODE_PATH names it. */
export const ENGINE_DIR = path.join(PROJECT_ROOT, 'artillery');

/** An ensure condition for a threshold, or why there is none. */
function condition(t: Threshold, hasPushthroughEngine: boolean): { expression: string } | { left: string } {
  const op = t.op;
  switch (t.metric) {
    case 'p50':
    case 'p95':
    case 'p99':
      if (!hasPushthroughEngine) return { left: `${t.text}: Artillery's ws engine measures no delivery latency` };
      return { expression: `pushthrough.latency.${t.metric} ${op} ${t.value}` };
    case 'failed':
      // Every stream is one virtual user: a stream that did not open (or was cut: Artillery cannot tell) is a failed one.
      return { expression: t.share ? `vusers.failed / vusers.created ${op} ${t.value}` : `vusers.failed ${op} ${t.value}` };
    case 'cut':
      if (!hasPushthroughEngine) return { left: `${t.text}: Artillery's ws engine does not see a WebSocket cut while held` };
      return { expression: t.share ? `pushthrough.cut / pushthrough.opened ${op} ${t.value}` : `pushthrough.cut ${op} ${t.value}` };
    case 'open':
      return { left: `${t.text}: Artillery has no metric for streams open at once` };
  }
}

export function artilleryScenario(o: ArtilleryExportOptions): string {
  // Artillery's phases last whole seconds: hold for the phase as it runs, so all overlap for the duration.
  const phaseSeconds = Math.max(1, Math.round(o.rampMs / 1000));
  const holdSeconds = phaseSeconds + o.durationMs / 1000;
  const channel = (t: LoadTransport): string => `load-artillery-${t}`;
  const base = new URL(o.url);
  const wsBase = `${base.protocol === 'https:' ? 'wss' : 'ws'}://${base.host}${base.pathname.replace(/\/$/, '')}`;
  const query = (t: LoadTransport): string => `channel=${encodeURIComponent(channel(t))}&intervalMs=${o.intervalMs}${o.token ? `&token=${encodeURIComponent(o.token)}` : ''}`;
  const streamed = o.transports.filter((t) => t !== 'websocket');
  const conditions = o.thresholds.map((t) => condition(t, streamed.length > 0));
  const ensure = conditions.filter((c): c is { expression: string } => 'expression' in c);
  const config: Record<string, unknown> = {
    target: o.url,
    phases: [{ name: 'ramp', duration: phaseSeconds, arrivalCount: o.streams }],
    ...(streamed.length ? { engines: { pushthrough: {} } } : {}),
    ...(o.insecure ? { tls: { rejectUnauthorized: false } } : {}),
    ...(ensure.length ? { plugins: { ensure: { conditions: ensure } } } : {}),
  };
  const scenarios = o.transports.map((t) =>
    t === 'websocket'
      ? { name: 'websocket', engine: 'ws', weight: 1, flow: [{ connect: `${wsBase}/ws?${query(t)}` }, { think: holdSeconds }] }
      : {
          name: t,
          engine: 'pushthrough',
          weight: 1,
          flow: [{ stream: { transport: t, channel: channel(t), intervalMs: o.intervalMs, holdSeconds, ...(o.token ? { token: o.token } : {}), ...(o.insecure ? { insecure: true } : {}) } }],
        },
  );
  const doc = new YAML.Document({ config, scenarios });
  const left = conditions.filter((c): c is { left: string } => 'left' in c).map((c) => `not exported: ${c.left}`);
  doc.commentBefore = [
    ` pushthrough load as an Artillery scenario: ${o.streams} ${o.transports.join(' + ')} streams through ${o.url},`,
    ` started over ${phaseSeconds} s, each held ${holdSeconds} s, an event every ${o.intervalMs} ms on each.`,
    ...(streamed.length
      ? [
          ' SSE and long polls run in pushthrough\'s engine (engine: pushthrough). Artillery finds it by name, artillery-engine-pushthrough:',
          `   NODE_PATH=${ENGINE_DIR} npx artillery run scenario.yml`,
          ' (Artillery 2.0.21 is the last to run on Node 20; later ones need Node 22.)',
        ]
      : ['   npx artillery run scenario.yml']),
    ...(o.transports.includes('websocket')
      ? [' WebSocket runs in Artillery\'s ws engine, which sees only the handshake: a WebSocket cut while held still counts as held.', ' For delivery, latency and cuts, give it engine: pushthrough and flow: [{ stream: { transport: websocket, holdSeconds: N } }].']
      : []),
    ...left.map((l) => ` ${l}`),
  ].join('\n');
  return doc.toString({ lineWidth: 0 });
}
