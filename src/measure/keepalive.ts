/**
 * The keepalive phase of `probe --measure`: once a transport's idle timeout
 * is known, which traffic resets it.
 *
 *   trials  ── one stream per kind (src/checks/keepalive.ts), each silent for
 *              1.5× the cut and fed every quarter of it by that kind alone,
 *              beside a control fed by nothing (which must be cut)
 *   advice  ── the kind to send and its interval (src/verdict/keepalive.ts)
 *   verify  ── the advice applied through the path: that kind at that
 *              interval, on a stream silent past the cut; it must survive
 *
 * Long polls get the same: a hold of 1.5× the shortest stream cut, plain and
 * with a byte trickled into the body.
 */
import { tryKeepalives } from '../checks/keepalive';
import type { ProbeTarget } from '../client/target';
import type { KeepaliveResult, KeepaliveTransport, KeepaliveVerification } from '../observation/limits';
import { keepaliveAdvice } from '../verdict/keepalive';
import { formatDuration } from '../util/format';

export interface KeepalivePhaseOptions {
  target: ProbeTarget;
  transport: KeepaliveTransport;
  /** the idle timeout measured for the transport (for long polls: the shortest stream cut) */
  cutMs: number;
  /** the cut the advised interval is half of (the shortest idle cut of the path); default cutMs */
  adviceCutMs?: number;
  connectTimeoutMs: number;
  /** at most this many streams at once (the path's connection limit, when one was found) */
  maxAtOnce?: number;
  signal?: AbortSignal;
  onProgress?: (line: string) => void;
}

/** How long past the cut the streams stay silent, and how often each kind is sent. */
export function keepaliveTiming(cutMs: number): { silenceMs: number; everyMs: number; graceMs: number } {
  const silenceMs = Math.round(Math.max(cutMs * 1.5, cutMs + 1000));
  return { silenceMs, everyMs: Math.max(100, Math.floor(cutMs / 4)), graceMs: Math.round(1000 + silenceMs * 0.05) };
}

export async function measureKeepalive(o: KeepalivePhaseOptions): Promise<{ result: KeepaliveResult; verification?: KeepaliveVerification }> {
  const { silenceMs, everyMs, graceMs } = keepaliveTiming(o.cutMs);
  const say = (line: string): void => o.onProgress?.(`${o.transport} keepalive: ${line}`);
  const common = { target: o.target, transport: o.transport, silenceMs, connectTimeoutMs: o.connectTimeoutMs, graceMs, maxAtOnce: o.maxAtOnce, signal: o.signal };
  say(`each kind every ${formatDuration(everyMs)} on a stream silent for ${formatDuration(silenceMs)} (the cut is ${formatDuration(o.cutMs)})`);
  const { result } = await tryKeepalives({ ...common, everyMs });
  const advice = keepaliveAdvice(result, o.adviceCutMs ?? o.cutMs);
  say(advice ? advice.advice : 'the stream with no keepalive was not cut: nothing to learn');
  if (!advice?.kind || advice.everyMs === undefined || o.signal?.aborted) return { result };
  say(`verifying: ${advice.kind} every ${formatDuration(advice.everyMs)} for ${formatDuration(silenceMs)}`);
  const check = await tryKeepalives({ ...common, everyMs: advice.everyMs, kinds: [advice.kind] });
  const trial = check.result.trials[0];
  const verification: KeepaliveVerification = { kind: advice.kind, everyMs: advice.everyMs, silenceMs, kept: trial.outcome === 'kept' };
  if (trial.outcome !== 'kept') {
    verification.detail = trial.outcome === 'cut' ? `cut after ${formatDuration(trial.cutAtMs ?? 0)} (${trial.how ?? 'closed'}${trial.code !== undefined ? ` ${trial.code}` : ''})` : (trial.detail ?? trial.outcome);
  }
  say(verification.kept ? 'verified: the stream survived' : `NOT verified: ${verification.detail}`);
  return { result, verification };
}
