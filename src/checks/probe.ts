/**
 * Runs a transport's checks against a target. The waiting checks (a silent
 * stream, a held request) start together; the short ones run one after
 * another beside them. A probe of all four transports takes little more than
 * its longest wait, without a burst of simultaneous connections that a loaded
 * machine would turn into delays of its own. Returns raw observations; grading
 * is gradeObservation's.
 */
import type { CheckId, Observation, Transport } from '../observation/types';
import { closeConnectionGroup, wireProtocol } from '../client/http';
import { uniqueId, type ProbeTarget } from '../client/target';
import type { CheckContext, ProbeOptions } from './check';
import { CHECKS, checksFor } from './registry';

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

export async function probeTransport(req: ProbeRequest): Promise<Observation[]> {
  const ids = (req.checks ?? checksFor(req.transport, req.options)).filter((id) => CHECKS.find((c) => c.id === id)?.runners[req.transport]);
  const runOne = async (id: CheckId): Promise<Observation> => {
    const runner = CHECKS.find((c) => c.id === id)!.runners[req.transport]!;
    const channel = uniqueId(`${req.transport}-${id}`);
    // Each check on its own HTTP/2 connection (ProbeTarget.connectionGroup says why).
    const target: ProbeTarget = { ...req.target, connectionGroup: channel };
    const ctx: CheckContext = {
      target,
      options: req.options,
      channel,
      probeId: uniqueId('p'),
      originUrl: req.originUrl,
      mitigationNames: req.mitigationNames,
    };
    const started = Date.now();
    try {
      const obs = await runner(ctx);
      obs.protocol ??= wireProtocol(target, req.transport);
      return obs;
    } catch (err) {
      // A bug or crash in the tester is never the proxy's fault.
      const e = err as Error;
      return {
        transport: req.transport,
        check: id,
        startedAt: started,
        durationMs: Date.now() - started,
        answers: [],
        arrivals: [],
        ends: [],
        testerError: `the ${id} check crashed: ${e?.message ?? String(err)}${e?.stack ? ` (${e.stack.split('\n')[1]?.trim() ?? ''})` : ''}`,
      };
    } finally {
      await closeConnectionGroup(target);
    }
  };
  const waiting = ids.filter((id) => CHECKS.find((c) => c.id === id)?.waits);
  const short = ids.filter((id) => !waiting.includes(id));
  const results = new Map<CheckId, Observation>();
  await Promise.all([
    ...waiting.map(async (id) => results.set(id, await runOne(id))),
    (async () => {
      for (const id of short) results.set(id, await runOne(id));
    })(),
  ]);
  return ids.map((id) => results.get(id)!);
}
