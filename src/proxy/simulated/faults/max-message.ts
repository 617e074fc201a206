/**
 * max-message: a WebSocket-aware proxy that enforces a size limit on frames
 * (or whole messages) in an upgraded tunnel. Frame heads are parsed on the
 * byte stream (ws-frames.ts); the offending frame is not forwarded.
 *
 * `how: 'close-frame'` (default) does what Kong's WebSocket Size Limit and
 * AWS API Gateway do: "a close frame with status code 1009 is sent to the
 * sender, a close frame with status code 1001 is sent to the peer, both sides
 * of the connection are closed" (Kong docs); API Gateway "responds back with
 * error code 1009 when it receives a larger frame or message" (frame 32 KB,
 * message 128 KB quotas). `how: 'close'` closes both TCP connections without a
 * close frame, as APISIX does when a frame exceeds its 65535-byte default
 * ("a larger single frame closes the connection") — the client sees 1006.
 */
import type { FaultDefinition } from '../fault-types';
import { closeFrame, FrameGuard } from '../ws-frames';

export interface MaxMessageParams {
  maxBytes: number;
  per: 'frame' | 'message';
  direction: 'both' | 'to-origin' | 'to-client';
  how: 'close-frame' | 'close';
}

/** How long the far side may stay mid-frame before the close frame is given up on. */
const BOUNDARY_WAIT_MS = 1000;

export const maxMessage: FaultDefinition<MaxMessageParams> = {
  name: 'max-message',
  summary: 'closes a WebSocket tunnel (1009) when a frame or message exceeds N bytes (API Gateway 32 KB, Kong, APISIX)',
  paramsSchema: {
    type: 'object',
    additionalProperties: false,
    properties: {
      maxBytes: { type: 'integer', minimum: 0, default: 32_768 },
      per: { type: 'string', enum: ['frame', 'message'], default: 'frame' },
      direction: { type: 'string', enum: ['both', 'to-origin', 'to-client'], default: 'both' },
      how: { type: 'string', enum: ['close-frame', 'close'], default: 'close-frame' },
    },
  },
  explain(p) {
    const dir = p.direction === 'both' ? 'in either direction' : p.direction === 'to-origin' ? 'from the client' : 'from the origin';
    const how = p.how === 'close-frame' ? 'sends close 1009 to the sender and 1001 to the other side' : 'closes both connections without a close frame';
    return `when a WebSocket ${p.per} ${dir} exceeds ${p.maxBytes} bytes, ${how}`;
  },
  create(p) {
    return {
      tunnel(ex) {
        const onViolation = (from: 'client' | 'origin'): void => {
          if (p.how === 'close') {
            ex.cut('close');
            return;
          }
          // The guard carrying the sender's frames tells the peer "going away";
          // the other one tells the sender its message was too big (RFC 6455 §7.4.1).
          const senderToPeer = from === 'client' ? toOrigin : toClient;
          const peerToSender = from === 'client' ? toClient : toOrigin;
          senderToPeer.finish(closeFrame(1001, 'going away', senderToPeer === toOrigin));
          peerToSender.finishAtBoundary(closeFrame(1009, 'message too big', peerToSender === toOrigin));
          ex.timer(BOUNDARY_WAIT_MS, () => {
            if (!peerToSender.finished) ex.cut('close');
          });
        };
        const toOrigin = new FrameGuard({ maxBytes: p.maxBytes, per: p.per, enforce: p.direction !== 'to-client' }, () => onViolation('client'));
        const toClient = new FrameGuard({ maxBytes: p.maxBytes, per: p.per, enforce: p.direction !== 'to-origin' }, () => onViolation('origin'));
        return { toOrigin, toClient };
      },
    };
  },
};
