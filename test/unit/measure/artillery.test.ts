/** The load run as an Artillery scenario: phases, engines, flows and the thresholds as ensure conditions. */
import YAML from 'yaml';
import { artilleryScenario, ENGINE_DIR } from '../../../src/measure/artillery';
import { parseThreshold, type Threshold } from '../../../src/verdict/load';

const thresholds = (...t: string[]): Threshold[] => t.map((x) => parseThreshold(x) as Threshold);
const base = { url: 'https://rt.example.com/app/', streams: 1000, rampMs: 10_000, durationMs: 30_000, intervalMs: 500, thresholds: [] as Threshold[] };

it('starts every stream evenly over the ramp and holds each for the ramp and the duration', () => {
  const text = artilleryScenario({ ...base, transports: ['sse', 'long-poll', 'websocket'], token: 't 1' });
  const doc = YAML.parse(text);
  expect(doc.config).toEqual({ target: 'https://rt.example.com/app/', phases: [{ name: 'ramp', duration: 10, arrivalCount: 1000 }], engines: { pushthrough: {} } });
  expect(doc.scenarios.map((s: { name: string; engine: string }) => [s.name, s.engine])).toEqual([
    ['sse', 'pushthrough'],
    ['long-poll', 'pushthrough'],
    ['websocket', 'ws'],
  ]);
  expect(doc.scenarios[0].flow).toEqual([{ stream: { transport: 'sse', channel: 'load-artillery-sse', intervalMs: 500, holdSeconds: 40, token: 't 1' } }]);
  // wss under the same path, the token in the query as the origin takes it.
  expect(doc.scenarios[2].flow).toEqual([{ connect: 'wss://rt.example.com/app/ws?channel=load-artillery-websocket&intervalMs=500&token=t%201' }, { think: 40 }]);
  expect(text).toContain(`#   NODE_PATH=${ENGINE_DIR} npx artillery run scenario.yml`);
  expect(text).toContain('sees only the handshake');
});

it('turns thresholds into ensure conditions where Artillery has the metric, and says which it left out', () => {
  const text = artilleryScenario({ ...base, transports: ['sse', 'websocket'], thresholds: thresholds('p99<500ms', 'p95<=2s', 'failed<1%', 'cut<=3', 'open>=900') });
  expect(YAML.parse(text).config.plugins.ensure.conditions).toEqual([
    { expression: 'pushthrough.latency.p99 < 500' },
    { expression: 'pushthrough.latency.p95 <= 2000' },
    { expression: 'vusers.failed / vusers.created < 0.01' },
    { expression: 'pushthrough.cut <= 3' },
  ]);
  expect(text).toContain('# not exported: open>=900: Artillery has no metric for streams open at once');
});

it('WebSocket alone needs no engine of pushthrough’s, and has no latency or cuts to check', () => {
  const text = artilleryScenario({ ...base, transports: ['websocket'], thresholds: thresholds('p99<500ms', 'cut<1', 'failed<5') });
  const doc = YAML.parse(text);
  expect(doc.config.engines).toBeUndefined();
  expect(doc.config.plugins.ensure.conditions).toEqual([{ expression: 'vusers.failed < 5' }]);
  expect(text).not.toContain('NODE_PATH');
  expect(text).toContain("# not exported: p99<500ms: Artillery's ws engine measures no delivery latency");
  expect(text).toContain("# not exported: cut<1: Artillery's ws engine does not see a WebSocket cut while held");
});
