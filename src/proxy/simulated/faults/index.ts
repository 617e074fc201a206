/**
 * The fault registry: every fault type by its kebab-case name. Adding a fault
 * is one file in this folder, one line here, one test file and one section in
 * docs/faults.md.
 */
import type { FaultDefinition } from '../fault-types';
import { balance } from './balance';
import { bandwidth } from './bandwidth';
import { buffer } from './buffer';
import { cache } from './cache';
import { compress } from './compress';
import { firstByteTimeout } from './first-byte-timeout';
import { http10 } from './http10';
import { idleTimeout } from './idle-timeout';
import { latency } from './latency';
import { maxConnections } from './max-connections';
import { maxDuration } from './max-duration';
import { maxMessage } from './max-message';
import { noUpstreamKeepalive } from './no-upstream-keepalive';
import { rejectUpgrade } from './reject-upgrade';
import { reset } from './reset';
import { stripHeaders } from './strip-headers';
import { stripUpgrade } from './strip-upgrade';

const ALL: FaultDefinition<any>[] = [
  stripUpgrade,
  rejectUpgrade,
  buffer,
  compress,
  idleTimeout,
  maxDuration,
  firstByteTimeout,
  http10,
  stripHeaders,
  cache,
  latency,
  bandwidth,
  reset,
  maxConnections,
  balance,
  maxMessage,
  noUpstreamKeepalive,
];

/** Every fault type, by name. */
export const FAULTS: Record<string, FaultDefinition<any>> = Object.fromEntries(ALL.map((f) => [f.name, f]));

/** Fault names in registry order (for help texts and error messages). */
export const FAULT_NAMES: readonly string[] = ALL.map((f) => f.name);
