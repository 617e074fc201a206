import type { Check } from './check';
import { gradeSilent, silentSse, silentWebSocket } from './silent-stream';

export const idle: Check = {
  id: 'idle',
  description: 'A stream sends one event, stays silent for --idle seconds, then sends a second one.',
  expectation: 'The second event arrives on the same connection; if the path cuts the stream, when (measured) and how (FIN, RST, silent drop, a status on reconnect).',
  runners: { sse: silentSse('idle'), websocket: silentWebSocket('idle') },
  waits: true,
  grade: (obs) => gradeSilent(obs),
};
