/**
 * The audit of issue 8, kept: every attack class against the origin and the
 * simulated proxy, each run as a user runs it (`pushthrough origin`,
 * `pushthrough proxy --setup …`, separate processes). After each class the
 * target must still run and answer /health, and its peak resident size
 * (VmHWM, reset per class) must stay under 512 MiB.
 *
 * `npm test` runs small counts and asserts no timing. `npm run bench --
 * --hostile` runs the audit's full counts (HOSTILE_SCALE=full) and prints the
 * peak RSS and /health latency of each class from HOSTILE_REPORT.
 */
import fs from 'node:fs';
import os from 'node:os';
import { ATTACKS, type AttackResult, type TargetKind } from '../../helpers/hostile/attacks';
import { alive, peakRssBytes, resetPeak, startTarget, stopTarget, watch, type Target } from '../../helpers/hostile/target';
import { httpGet, rawExchange, SocketSet } from '../../helpers/hostile/wire';

const FULL = process.env.HOSTILE_SCALE === 'full';
const RSS_LIMIT_BYTES = 512 * 1024 * 1024;
const MiB = 1024 * 1024;

const targets = new Map<TargetKind, Target>();
const extra: Target[] = [];
const rows: Array<Record<string, unknown>> = [];

beforeAll(async () => {
  targets.set('origin', await startTarget('origin', ['origin', '--port', '0']));
  const behind = await startTarget('origin behind the proxies', ['origin', '--port', '0']);
  extra.push(behind);
  targets.set('proxy', await startTarget('buffering-until-end', ['proxy', '--setup', 'buffering-until-end', '--target', behind.url, '--port', '0']));
  targets.set('cache', await startTarget('caching', ['proxy', '--setup', 'caching', '--target', behind.url, '--port', '0']));
  // At full count the attacker yields the CPU to what it attacks: a real
  // attacker is another machine, and on this one its own copying of
  // gigabytes would otherwise be measured as the targets' slowness. Nice is
  // per thread on Linux: this lowers only the thread that runs the attacks,
  // after the targets were started (they keep their normal priority).
  if (FULL) os.setPriority(10);
}, 60_000);

afterAll(async () => {
  await Promise.all([...targets.values(), ...extra].map(stopTarget));
  if (process.env.HOSTILE_REPORT) fs.writeFileSync(process.env.HOSTILE_REPORT, JSON.stringify({ full: FULL, rssLimitBytes: RSS_LIMIT_BYTES, rows }, null, 2));
}, 30_000);

/** What each class must show besides survival, so an attack that silently stopped attacking fails. */
const SHOWS: Partial<Record<string, (r: AttackResult) => boolean>> = {
  garbage: (r) => Object.keys(r.answers).some((a) => a.startsWith('HTTP/1.1 400')),
  'bad-encodings': (r) => Object.keys(r.answers).some((a) => a.startsWith('HTTP/1.1 400')),
  'absurd-numbers': (r) => Object.keys(r.answers).some((a) => a.startsWith('HTTP/1.1 400')),
  'huge-headers': (r) => Object.keys(r.answers).some((a) => a.startsWith('HTTP/1.1 431') || a.startsWith('HTTP/1.1 400')),
  'broken-ws-frames': (r) => (r.answers['closed by the server'] ?? 0) >= r.ops * 0.8,
  'audit-reproductions': (r) => Object.keys(r.answers).some((a) => a.startsWith('HTTP/1.1 400')) && Object.keys(r.answers).some((a) => a.startsWith('HTTP/1.1 200')),
  'cache-fill': (r) => (r.answers['HTTP/1.1 200 OK'] ?? 0) === r.ops,
  'endless-buffered-sse': (r) => (r.answers['streamed on past the hold limit'] ?? 0) === r.ops,
};

const percentile = (xs: number[], p: number): number => {
  if (xs.length === 0) return NaN;
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))]!;
};

for (const kind of ['origin', 'proxy', 'cache'] as const) {
  describe(`${kind === 'origin' ? 'the origin' : kind === 'proxy' ? 'the simulated proxy (buffer mode=until-end)' : 'the simulated proxy (cache)'}`, () => {
    for (const attack of ATTACKS.filter((a) => a.against.includes(kind))) {
      it(
        `${attack.name}: ${attack.what}`,
        async () => {
          const t = targets.get(kind)!;
          const exactPeak = resetPeak(t.pid);
          const stop = watch(t, `${t.url}/health`);
          const sockets = new SocketSet();
          let result: AttackResult;
          try {
            result = await attack.run({ port: t.port, full: FULL, n: (small, full) => (FULL ? full : small), holdMs: FULL ? 10_000 : 1_000, sockets });
          } finally {
            sockets.destroyAll();
          }
          const watched = await stop();
          const peak = Math.max(watched.peakRssBytes, exactPeak && alive(t) ? peakRssBytes(t.pid) : 0);
          rows.push({
            target: kind,
            attack: attack.name,
            ops: result.ops,
            answers: result.answers,
            peakRssMiB: Math.round(peak / MiB),
            healthMaxMs: Math.round(Math.max(...watched.healthMs, 0)),
            healthP99Ms: Math.round(percentile(watched.healthMs, 99)),
            healthFailures: watched.failures,
            samples: watched.samples,
          });

          expect({ alive: alive(t), stderr: alive(t) ? '' : t.stderr() }).toEqual({ alive: true, stderr: '' });
          const probe = new SocketSet();
          expect(await rawExchange(probe, t.port, httpGet('/health'), { readMs: 5_000 })).toBe('HTTP/1.1 200 OK');
          probe.destroyAll();
          expect(peak).toBeLessThan(RSS_LIMIT_BYTES);
          const shows = SHOWS[attack.name];
          if (shows) expect({ attack: attack.name, shows: shows(result), answers: result.answers }).toEqual({ attack: attack.name, shows: true, answers: result.answers });
        },
        FULL ? 600_000 : 60_000,
      );
    }
  });
}
