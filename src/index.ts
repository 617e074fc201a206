/**
 * pushthrough as a library, for your own tests (the package's `main`):
 *
 *   import { startProxy, startOrigin, probe } from 'pushthrough';
 *
 *   const proxy = await startProxy({ setup: 'nginx-default-like', target: 'http://127.0.0.1:3000' });
 *   // point your app's client at proxy.url …
 *   proxy.setFaults([{ name: 'idle-timeout', params: { idleMs: 1000 } }]);
 *   proxy.reset();
 *   await proxy.close();
 *
 * Setups and faults are the CLI's, validated the same way: bad input throws a
 * UsageError whose message is one line naming what is wrong.
 */
export { startProxy, type ProxyOptions, type RunningProxy } from './run/front';
export { startControl, type ControlServer } from './run/control';
export { probe, type ProbeOptions } from './run/probe-url';
export { startOrigin, type OriginOptions, type RunningOrigin } from './origin/server';
export { DEFAULT_LIMITS, type OriginLimits } from './origin/limits';
export { FAULT_NAMES } from './proxy/simulated/faults';
export type { FaultSpec } from './proxy/simulated/simulated-proxy';
export type { Setup } from './setup/types';
export type { Report, SetupResult } from './report/types';
export type { Cell } from './verdict/types';
export { TRANSPORTS, VERDICTS, REASONS, type Transport, type Verdict, type Reason } from './vocabulary';
export { UsageError } from './util/errors';
