/**
 * Runs a transport's checks against a target, concurrently: a probe of all
 * four transports takes little more than its longest wait. Returns raw
 * observations; grading happens in src/verdict.
 */
import type { CheckId, Observation, Transport } from '../observation/types';
import { longPollChecks, shortPollChecks } from './polling';
import { sseChecks } from './sse';
import { websocketChecks } from './websocket';
import { uniqueId, type ProbeTarget } from './target';
import type { CheckContext, CheckRunner, ProbeOptions } from './probe-types';

export const CHECKS: Record<Transport, Record<string, CheckRunner>> = {
  'short-poll': shortPollChecks,
  'long-poll': longPollChecks,
  sse: sseChecks,
  websocket: websocketChecks,
};

/** The checks that apply to a transport, in report order. */
export function checksFor(transport: Transport): CheckId[] {
  return Object.keys(CHECKS[transport]) as CheckId[];
}

export interface ProbeRequest {
  target: ProbeTarget;
  transport: Transport;
  options: ProbeOptions;
  /** run only these checks (default: all that apply) */
  checks?: CheckId[];
  /** the origin itself, when the tester started it */
  originUrl?: string;
  mitigationNames?: string[];
}

/** Checks that mostly wait (a silent stream, a held request): they start at once, side by side. */
const WAITING: CheckId[] = ['idle', 'duration', 'hold'];

/**
 * Runs the checks of one transport. The waiting checks start together; the
 * short ones run one after another beside them. The probe still takes about
 * its longest wait, but without a burst of simultaneous connections that a
 * loaded machine would turn into its own delays.
 */
export async function probeTransport(req: ProbeRequest): Promise<Observation[]> {
  const runners = CHECKS[req.transport];
  const ids = (req.checks ?? checksFor(req.transport)).filter((id) => runners[id]);
  const runOne = async (id: CheckId): Promise<Observation> => {
    const ctx: CheckContext = {
      target: req.target,
      options: req.options,
      channel: uniqueId(`${req.transport}-${id}`),
      probeId: uniqueId('p'),
      originUrl: req.originUrl,
      mitigationNames: req.mitigationNames,
    };
    const started = Date.now();
    try {
      return await runners[id](ctx);
    } catch (err) {
      // A bug or crash in the tester is never the proxy's fault.
      return {
        transport: req.transport,
        check: id,
        startedAt: started,
        durationMs: Date.now() - started,
        answers: [],
        arrivals: [],
        ends: [],
        testerError: `the ${id} check crashed: ${(err as Error)?.message ?? String(err)}`,
      };
    }
  };
  const waiting = ids.filter((id) => WAITING.includes(id));
  const short = ids.filter((id) => !WAITING.includes(id));
  const results = new Map<CheckId, Observation>();
  await Promise.all([
    ...waiting.map(async (id) => results.set(id, await runOne(id))),
    (async () => {
      for (const id of short) results.set(id, await runOne(id));
    })(),
  ]);
  return ids.map((id) => results.get(id)!);
}
