/**
 * A probed setup's observations, graded into its part of the report: one
 * cell per transport (with the run's baseline setting the timing margins),
 * the setup-wide evidence, the mitigations, the fixes, and the comparison
 * with the setup's expectations. Every judgement is made in src/checks and
 * src/verdict; this only assembles.
 */
import { gradeObservation, gradeTransport } from '../checks/registry';
import type { GradeContext } from '../checks/check';
import type { Transport } from '../observation/types';
import type { KeepaliveKind, KeepaliveTransport } from '../observation/limits';
import type { SetupResult } from '../report/types';
import { applySetupEvidence } from '../verdict/cell';
import { fixesFor, fixFor, quietBeforeCutMs } from '../verdict/fixes';
import { keepaliveAdvice, keepaliveOfCell } from '../verdict/keepalive';
import { mitigationsOf, triedMitigation } from '../verdict/mitigations';
import type { SetupObservations } from './probe-setup';
import { SetupUnavailable } from './bring-up';
import type { LibraryObservation, Observation } from '../observation/types';
import type { Client } from '../vocabulary';
import { compareWithNode } from '../verdict/clients';
import { gradeLibrary, libraryFix, libraryNotRun } from '../verdict/library';

const sameKinds = (a: KeepaliveKind[], b: KeepaliveKind[]): boolean => a.length === b.length && a.every((k) => b.includes(k));

export function buildSetupResult(o: SetupObservations, transports: Transport[], ctx: GradeContext): SetupResult {
  const { setup } = o;
  const result: SetupResult = { id: setup.id, kind: setup.kind, description: setup.description, cells: [] };
  if (setup.imitates) result.imitates = setup.imitates;
  if (setup.source) result.source = setup.source;
  if (o.product) result.product = o.product;
  if (o.logs.length) result.logs = o.logs.slice(-200);
  if (o.unavailable?.notInstalled) result.notInstalled = o.unavailable.notInstalled;
  for (const t of transports) {
    const u = o.unavailable;
    result.cells.push(u ? { transport: t, verdict: u.verdict, reason: u.verdict === 'skipped' ? 'not-run' : 'tester-error', explanation: u.message, checks: [] } : gradeTransport(t, o.observations[t] ?? [], ctx));
  }
  if (!o.unavailable) applySetupEvidence(result.cells, transports.flatMap((t) => o.observations[t] ?? []));
  // Mitigations and fixes, once every cell of the setup is graded.
  const product = setup.real?.product ?? setup.imitates ?? setup.id;
  for (const cell of result.cells) {
    const tried = o.mitigations.filter((m) => m.plan.transport === cell.transport).map((m) => triedMitigation(m.plan, cell, m.observations.flatMap((obs) => gradeObservation(obs, ctx))));
    const mitigations = mitigationsOf(cell, result.cells, tried);
    if (mitigations) cell.mitigations = mitigations;
    if (cell.verdict === 'degraded' || cell.verdict === 'fail') {
      const idleCutMs = quietBeforeCutMs(cell);
      const ka = keepaliveOfCell(cell);
      const advice = ka ? keepaliveAdvice(ka, idleCutMs) : undefined;
      // The kind that kept streams open, unless applying it through the path (the heartbeat mitigation) failed.
      const held = cell.mitigations?.find((m) => m.id === 'heartbeat')?.rescued !== false;
      const fixCtx = { idleCutMs, ...(cell.protocol?.tls ? { tls: true } : {}), ...(advice?.kind && held ? { keepalive: { kind: advice.kind, ignored: advice.ignored } } : {}) };
      const fix = fixFor(cell.reason, cell.transport, product, fixCtx);
      if (fix) cell.fix = fix;
      if (!fix?.proxy) {
        const alternatives = fixesFor(cell.reason, cell.transport, fixCtx);
        if (alternatives.length) cell.fixAlternatives = alternatives;
      }
    }
    // A client that spoke HTTP/1.1 to a front offering HTTP/2 is held to the setup's HTTP/1.1 expectations, where it has them.
    const exp = (cell.protocol?.tls && cell.protocol.http === 'h1' ? setup.expectHttp1?.[cell.transport] : undefined) ?? setup.expect?.[cell.transport];
    if (exp) {
      cell.expected = exp;
      // A cell that did not run, or that the tester could not run, says nothing about the setup.
      if (cell.verdict !== 'skipped' && cell.verdict !== 'error') cell.matches = exp.verdict === cell.verdict && exp.reason === cell.reason;
    }
    // With --keepalive, the kinds that kept the stream open are part of what the setup expects.
    const kept = cell.checks.find((c) => c.id === 'keepalive' && c.status !== 'error' && c.status !== 'skip')?.measured.kept as KeepaliveKind[] | undefined;
    const expKept = setup.keepalive?.[cell.transport as KeepaliveTransport];
    if (kept && expKept) {
      cell.expectedKeepalive = expKept;
      if (cell.matches !== undefined) cell.matches &&= sameKinds(kept, expKept);
    }
  }
  // The libraries last: judged beside the transport cells (why one fell back, and whether it agrees with them).
  for (const l of o.libraries ?? []) {
    const cell = 'observation' in l ? gradeLibrary(l.observation, result.cells) : libraryNotRun(l.library, l.unsupported);
    const fix = libraryFix(cell, result.cells, product);
    if (fix) cell.fix = fix;
    result.cells.push(cell);
  }
  return result;
}

/**
 * A browser's cells for one setup, as their own entry beside the Node
 * clients' (`<setup>@<client>`): graded by the same checks, with the
 * browser's own baseline setting the timing margins, fixes for the setup's
 * product, and no expectations of their own — the setup's expectations are
 * what Node's clients measured. Where a cell's verdict differs from the Node
 * cell's, it says so and why. `unavailable`: every cell skipped or an error,
 * with that sentence.
 */
export function buildClientResult(
  o: Pick<SetupObservations, 'setup' | 'product'>,
  client: Client,
  transports: Transport[],
  ctx: GradeContext,
  got: { observations: Observation[]; libraries?: LibraryObservation[] } | { unavailable: { verdict: 'skipped' | 'error'; message: string; notInstalled?: SetupResult['notInstalled'] } },
  node?: SetupResult,
): SetupResult {
  const setup = { ...o.setup, expect: undefined, expectHttp1: undefined, keepalive: undefined };
  const byTransport: Partial<Record<Transport, Observation[]>> = {};
  if ('observations' in got) for (const obs of got.observations) (byTransport[obs.transport] ??= []).push(obs);
  const u = 'unavailable' in got ? got.unavailable : undefined;
  const unavailable = u ? new SetupUnavailable(u.message, u.verdict, [], u.notInstalled) : undefined;
  const present = 'observations' in got ? transports.filter((t) => byTransport[t]) : transports;
  const libraries = 'observations' in got ? (got.libraries ?? []).map((observation) => ({ library: observation.library, observation })) : [];
  const result = buildSetupResult({ setup, observations: byTransport, mitigations: [], logs: [], product: o.product, unavailable, libraries }, present, ctx);
  result.id = node ? `${node.id}@${client}` : o.setup.id;
  result.client = client;
  if (node) result.clientOf = node.id;
  delete result.logs;
  for (const cell of result.cells) cell.client = client;
  if (node) compareWithNode(result.cells, node.cells, { forwardProxy: o.setup.real?.forward === true });
  return result;
}
