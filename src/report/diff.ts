/**
 * Run-to-run diff: which cells (setup id × transport) changed verdict or
 * reason between two JSON reports, and whether each change is worse, better
 * or just different. `pushthrough diff` exits 1 when anything got worse, so a
 * CI job can compare tonight's run against the last good one.
 *
 * Only pass < degraded < fail are ranked. `skipped` and `error` say nothing
 * about the path (a binary went missing, the tester broke), so moving to or
 * from them is `changed`, never `worse` — a flaky tester must not fail CI as
 * a regression. Cells that appear or disappear are listed as `changed` too.
 */
import { TRANSPORTS, type Transport } from '../observation/types';
import type { Reason, Verdict } from '../verdict/types';
import type { Report } from './types';
import { showsReason } from './render/common';

export type ChangeDirection = 'worse' | 'better' | 'changed';

/** What happened to the cell itself: it changed, or it exists in only one report. */
export type CellPresence = 'changed' | 'added' | 'removed';

export interface CellState {
  verdict: Verdict;
  reason: Reason;
}

export interface CellChange {
  setup: string;
  transport: Transport;
  /** absent when the cell is new */
  before?: CellState;
  /** absent when the cell is gone */
  after?: CellState;
  change: ChangeDirection;
  presence: CellPresence;
}

/** The JSON form of `pushthrough diff`. Fields may be added, never renamed. */
export interface ReportDiff {
  old: { startedAt: string; version: string };
  new: { startedAt: string; version: string };
  /** worst first: worse (fail before degraded), then changed, then better */
  changes: CellChange[];
  worse: number;
  better: number;
  changed: number;
  added: number;
  removed: number;
  /** cells present in both reports with the same verdict and reason */
  unchanged: number;
}

const RANK: Partial<Record<Verdict, number>> = { pass: 0, degraded: 1, fail: 2 };

/** Direction of a verdict/reason change (both sides present). */
export function changeDirection(before: CellState, after: CellState): ChangeDirection {
  const from = RANK[before.verdict];
  const to = RANK[after.verdict];
  if (from === undefined || to === undefined || from === to) return 'changed';
  return to > from ? 'worse' : 'better';
}

/** Compare two reports cell by cell. Pure. */
export function diffReports(oldR: Report, newR: Report): ReportDiff {
  const before = cellStates(oldR);
  const after = cellStates(newR);
  // Order of appearance: the new report's setups, then setups only the old one had.
  const setupOrder = [...new Set([...newR.setups.map((s) => s.id), ...oldR.setups.map((s) => s.id)])];
  const changes: CellChange[] = [];
  let unchanged = 0;
  for (const key of new Set([...after.keys(), ...before.keys()])) {
    const [setup, transport] = splitKey(key);
    const b = before.get(key);
    const a = after.get(key);
    if (b && a) {
      if (b.verdict === a.verdict && b.reason === a.reason) {
        unchanged += 1;
        continue;
      }
      changes.push({ setup, transport, before: b, after: a, change: changeDirection(b, a), presence: 'changed' });
    } else if (a) {
      changes.push({ setup, transport, after: a, change: 'changed', presence: 'added' });
    } else if (b) {
      changes.push({ setup, transport, before: b, change: 'changed', presence: 'removed' });
    }
  }
  const directionOrder: Record<ChangeDirection, number> = { worse: 0, changed: 1, better: 2 };
  changes.sort(
    (x, y) =>
      directionOrder[x.change] - directionOrder[y.change] ||
      (x.change === 'worse' ? (RANK[y.after!.verdict] ?? 0) - (RANK[x.after!.verdict] ?? 0) : 0) ||
      setupOrder.indexOf(x.setup) - setupOrder.indexOf(y.setup) ||
      TRANSPORTS.indexOf(x.transport) - TRANSPORTS.indexOf(y.transport),
  );
  return {
    old: { startedAt: oldR.startedAt, version: oldR.version },
    new: { startedAt: newR.startedAt, version: newR.version },
    changes,
    worse: changes.filter((c) => c.change === 'worse').length,
    better: changes.filter((c) => c.change === 'better').length,
    changed: changes.filter((c) => c.change === 'changed').length,
    added: changes.filter((c) => c.presence === 'added').length,
    removed: changes.filter((c) => c.presence === 'removed').length,
    unchanged,
  };
}

function cellStates(report: Report): Map<string, CellState> {
  const states = new Map<string, CellState>();
  for (const setup of report.setups) {
    for (const cell of setup.cells) states.set(`${setup.id}\u0000${cell.library ?? cell.transport}`, { verdict: cell.verdict, reason: cell.reason });
  }
  return states;
}

function splitKey(key: string): [string, Transport] {
  const i = key.lastIndexOf('\u0000');
  return [key.slice(0, i), key.slice(i + 1) as Transport];
}

// ---------------------------------------------------------------- rendering

function stateText(state: CellState | undefined, missing: string): string {
  if (!state) return missing;
  return showsReason(state.verdict, state.reason) ? `${state.verdict} (${state.reason})` : state.verdict;
}

/**
 * One line per change, e.g. `sse via nginx-tuned: pass → degraded (buffered)`.
 * The reason is shown on each side when it is not `none`.
 */
export function changeLine(change: CellChange): string {
  return `${change.transport} via ${change.setup}: ${stateText(change.before, '(new)')} → ${stateText(change.after, '(removed)')}`;
}

function headline(diff: ReportDiff): string {
  if (diff.changes.length === 0) return `No cell changed (${diff.unchanged} compared).`;
  const parts = [`${diff.worse} worse`, `${diff.better} better`, `${diff.changed} changed`];
  const extra: string[] = [];
  if (diff.added > 0) extra.push(`${diff.added} added`);
  if (diff.removed > 0) extra.push(`${diff.removed} removed`);
  return `${parts.join(', ')}${extra.length > 0 ? ` (of which ${extra.join(', ')})` : ''}; ${diff.unchanged} unchanged.`;
}

const GROUPS: Array<[ChangeDirection, string]> = [
  ['worse', 'Worse'],
  ['changed', 'Changed'],
  ['better', 'Better'],
];

/** Plain-text table for the terminal (no colour: the CLI adds it). */
export function renderDiffTable(diff: ReportDiff): string {
  const out = [`Old run ${diff.old.startedAt} (pushthrough ${diff.old.version}) → new run ${diff.new.startedAt} (pushthrough ${diff.new.version})`, headline(diff)];
  for (const [direction, title] of GROUPS) {
    const group = diff.changes.filter((c) => c.change === direction);
    if (group.length === 0) continue;
    out.push('', `${title}:`);
    for (const change of group) out.push(`  ${changeLine(change)}`);
  }
  return `${out.join('\n')}\n`;
}

/** Markdown for a pull request comment. */
export function renderDiffMarkdown(diff: ReportDiff): string {
  const out = [
    '# pushthrough diff',
    '',
    `Old run \`${diff.old.startedAt}\` (pushthrough ${diff.old.version}) → new run \`${diff.new.startedAt}\` (pushthrough ${diff.new.version})`,
    '',
    `**${headline(diff)}**`,
  ];
  if (diff.changes.length > 0) {
    out.push('', '| Change | Setup | Transport | Before | After |', '| --- | --- | --- | --- | --- |');
    const icon: Record<ChangeDirection, string> = { worse: '🔻 worse', better: '🔺 better', changed: '🔁 changed' };
    for (const c of diff.changes) {
      const label = c.presence === 'added' ? '🆕 new cell' : c.presence === 'removed' ? '➖ removed cell' : icon[c.change];
      out.push(`| ${label} | ${cellText(c.setup)} | ${c.transport} | ${cellText(stateText(c.before, '—'))} | ${cellText(stateText(c.after, '—'))} |`);
    }
  }
  return `${out.join('\n')}\n`;
}

function cellText(value: string): string {
  return value.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/\|/g, '\\|');
}
