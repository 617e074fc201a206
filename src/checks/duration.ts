import type { Check } from './check';
import { gradeSilent, silentSse, silentWebSocket } from './silent-stream';

export const duration: Check = {
  id: 'duration',
  description: 'The idle check’s stream kept busy with heartbeats (SSE comment lines, WebSocket pings) every --heartbeat seconds.',
  expectation: 'Heartbeats keep the stream alive; a cut at the same time as without them is a maximum lifetime, not an idle timeout.',
  runners: { sse: silentSse('duration'), websocket: silentWebSocket('duration') },
  waits: true,
  grade: (obs) => gradeSilent(obs),
};
