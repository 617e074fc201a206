/**
 * The registry of checks, in report order. Adding a check is one file in this
 * folder and one line here; its id joins CHECK_IDS (src/observation/types.ts),
 * which the schema and the README's check table are tested against.
 */
import type { CheckId, Observation, Transport } from '../observation/types';
import { answerEvidence, testerProblem } from '../verdict/answers';
import { gradeCell } from '../verdict/cell';
import type { Cell, CheckResult } from '../verdict/types';
import { transportsOf, type Check, type GradeContext, type ProbeOptions } from './check';
import { connect } from './connect';
import { delivery } from './delivery';
import { duration } from './duration';
import { echo } from './echo';
import { extendedConnect } from './extended-connect';
import { freshness } from './freshness';
import { hold } from './hold';
import { idle } from './idle';
import { keepalive } from './keepalive';
import { large } from './large';
import { latency } from './latency';
import { parallelStreams } from './parallel-streams';
import { resume } from './resume';

export const CHECKS: readonly Check<any>[] = [connect, delivery, latency, idle, hold, duration, resume, large, echo, freshness, keepalive, extendedConnect, parallelStreams];

const BY_ID = new Map(CHECKS.map((c) => [c.id, c]));

export function checkById(id: CheckId): Check<unknown> | undefined {
  return BY_ID.get(id);
}

/** The checks that run for a transport (the ones with a runner, opt-in ones when `options` ask for them), in report order. */
export function checksFor(transport: Transport, options?: ProbeOptions): CheckId[] {
  return CHECKS.filter((c) => c.runners[transport] !== undefined && (!c.optIn || (options !== undefined && c.optIn(options)))).map((c) => c.id);
}

/** Every check that says something about a transport, run or derived, in report order. */
export function checksGradedFor(transport: Transport): CheckId[] {
  return CHECKS.filter((c) => transportsOf(c).includes(transport)).map((c) => c.id);
}

/**
 * Grades one observation: its own check, and every check graded from it
 * (latency from delivery). A tester error without any answer is an `error`
 * result whatever the check.
 */
export function gradeObservation(obs: Observation, ctx: GradeContext = {}): CheckResult[] {
  if (obs.testerError && obs.answers.length === 0) {
    return [{ id: obs.check, status: 'error', reason: 'tester-error', detail: obs.testerError, measured: { durationMs: Math.round(obs.durationMs) } }];
  }
  // The first connection failed for a reason of the tester's own: nothing the check measured says anything about the path.
  const problem = testerProblem(obs.answers[0]);
  if (problem) return [{ id: obs.check, status: 'error', reason: 'tester-error', detail: problem, measured: { durationMs: Math.round(obs.durationMs), ...answerEvidence(obs.answers[0]) } }];
  const own = BY_ID.get(obs.check);
  const derived = CHECKS.filter((c) => c.gradedFrom === obs.check);
  return [own, ...derived].flatMap((c) => (c ? (c.grade(obs, ctx) ?? []) : []));
}

/** A transport's cell from its observations: each graded by its check, then aggregated. */
export function gradeTransport(transport: Transport, observations: Observation[], ctx: GradeContext = {}): Cell {
  const cell = gradeCell(transport, observations.flatMap((o) => gradeObservation(o, ctx)));
  // What the client spoke: from an observation that made a connection, if any did.
  const protocol = observations.find((o) => o.protocol?.http)?.protocol ?? observations.find((o) => o.protocol)?.protocol;
  return protocol ? { ...cell, protocol } : cell;
}
