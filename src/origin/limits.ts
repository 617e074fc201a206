/**
 * What one origin allows, so that it can face the internet: every scenario
 * has a budget, channels are few and short-lived, history is a ring, and a
 * reader that falls behind is disconnected instead of buffered without bound.
 * Each limit has a default and a CLI flag (`pushthrough origin --help`); a
 * request over a budget gets 400 (or 429 for too many channels) naming the
 * limit.
 */
import type { ScenarioParams } from './params';

export interface OriginLimits {
  /** count × payloadBytes of one scenario (an endless ticker: per channel history instead) */
  maxScenarioBytes: number;
  /** payload bytes per second one stream may ask for (payloadBytes × 1000 / intervalMs) */
  maxBytesPerSecond: number;
  /** live named channels */
  maxChannels: number;
  /** a named channel nobody reads for this long stops and is dropped */
  channelIdleMs: number;
  /** newest events a channel keeps for resume */
  historyEvents: number;
  /** bytes of payload a channel keeps for resume */
  historyBytes: number;
  /** bytes of payload all channels together keep: past it, each channel trims its oldest events */
  historyTotalBytes: number;
  /** bytes written to a client but not yet taken by it before it is disconnected */
  maxUnreadBytes: number;
  /** bytes written to all clients and not yet taken: past it, the readers furthest behind are disconnected */
  maxUnreadTotalBytes: number;
  /** a reader with bytes waiting that takes none of them for this long is disconnected (nginx send_timeout) */
  sendTimeoutMs: number;
  /** the largest poll answer: a poll returns the events that fit, the rest on the next poll */
  maxPollBytes: number;
}

const MiB = 1024 * 1024;

export const DEFAULT_LIMITS: OriginLimits = {
  maxScenarioBytes: 256 * MiB,
  maxBytesPerSecond: 16 * MiB,
  maxChannels: 2_000,
  channelIdleMs: 10_000,
  historyEvents: 10_000,
  historyBytes: 64 * MiB,
  historyTotalBytes: 128 * MiB,
  maxUnreadBytes: 32 * MiB,
  maxUnreadTotalBytes: 96 * MiB,
  sendTimeoutMs: 60_000,
  maxPollBytes: 32 * MiB,
};

/** A scenario over budget: 400 with the limit in the message. */
export class OverBudget extends Error {
  constructor(message: string) {
    super(message);
  }
}

const mib = (bytes: number): string => `${(bytes / MiB).toFixed(bytes % MiB === 0 ? 0 : 1)} MiB`;

/** @throws OverBudget naming the limit */
export function checkBudget(p: ScenarioParams, limits: OriginLimits): void {
  const count = p.silentMs !== undefined ? 2 : p.count + (p.tailMs !== undefined ? 1 : 0);
  if (Number.isFinite(count) && count * p.payloadBytes > limits.maxScenarioBytes) {
    throw new OverBudget(`over budget: count × payloadBytes = ${mib(count * p.payloadBytes)}, at most ${mib(limits.maxScenarioBytes)} (--max-scenario-mib)`);
  }
  // One event (or a silence between two) has no rate; a series does.
  if (count > 1 && p.silentMs === undefined) {
    const perSecond = (p.payloadBytes * 1000) / p.intervalMs;
    if (perSecond > limits.maxBytesPerSecond) {
      const minInterval = Math.ceil((p.payloadBytes * 1000) / limits.maxBytesPerSecond);
      throw new OverBudget(
        `over budget: payloadBytes every intervalMs = ${mib(perSecond)}/s, at most ${mib(limits.maxBytesPerSecond)}/s (--max-rate-mib); with payloadBytes=${p.payloadBytes} use intervalMs >= ${minInterval}`,
      );
    }
  }
}
