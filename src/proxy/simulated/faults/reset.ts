/**
 * reset: resets the client connection (TCP RST, via SO_LINGER 0) after
 * `afterBytes` bytes of response body or tunnel traffic, or `afterMs` after
 * the request arrived — whichever comes first. The client sees ECONNRESET
 * (a WebSocket sees 1006). Like toxiproxy's `reset_peer`
 * (https://github.com/Shopify/toxiproxy), a load balancer restarting, or a
 * middlebox killing a flow.
 */
import { Transform, type TransformCallback } from 'node:stream';
import type { FaultDefinition } from '../fault-types';

export interface ResetParams {
  afterBytes?: number;
  afterMs?: number;
}

/** Pause between the last allowed bytes and the RST. */
const RST_AFTER_DATA_MS = 50;

/** Lets `limit` bytes (shared by every instance with the same counter) through, then calls `onLimit` once. */
export class ByteBudget extends Transform {
  constructor(
    private readonly counter: { bytes: number; tripped: boolean },
    private readonly limit: number,
    private readonly onLimit: () => void,
  ) {
    super();
  }

  override _transform(chunk: Buffer, _enc: BufferEncoding, cb: TransformCallback): void {
    const c = this.counter;
    if (c.tripped) return cb();
    const room = this.limit - c.bytes;
    if (chunk.length < room) {
      c.bytes += chunk.length;
      return cb(null, chunk);
    }
    c.tripped = true;
    c.bytes = this.limit;
    if (room > 0) this.push(chunk.subarray(0, room));
    // Let the allowed bytes reach the client and be read before the RST. On
    // Linux a RST that lands while received data is still unread makes the
    // reader see EOF after that data instead of ECONNRESET (tcp_recvmsg checks
    // SOCK_DONE before sk_err), which would look like a clean close.
    setTimeout(this.onLimit, RST_AFTER_DATA_MS).unref();
    cb();
  }
}

export const reset: FaultDefinition<ResetParams> = {
  name: 'reset',
  summary: 'resets the connection (TCP RST) after N bytes of response/tunnel traffic or N ms (toxiproxy reset_peer)',
  paramsSchema: {
    type: 'object',
    additionalProperties: false,
    description: 'expected afterBytes and/or afterMs',
    properties: {
      afterBytes: { type: 'integer', minimum: 0 },
      afterMs: { type: 'integer', minimum: 0 },
    },
    anyOf: [{ required: ['afterBytes'] }, { required: ['afterMs'] }],
  },
  explain(p) {
    const when = [p.afterBytes !== undefined ? `${p.afterBytes} bytes of response or tunnel traffic` : '', p.afterMs !== undefined ? `${p.afterMs} ms` : '']
      .filter(Boolean)
      .join(' or ');
    return `resets the connection (TCP RST) after ${when}`;
  },
  create(p) {
    return {
      request(ex) {
        if (p.afterMs !== undefined) ex.timer(p.afterMs, () => ex.cut('reset'));
      },
      response(ex, res) {
        if (p.afterBytes === undefined || !res.hasBody) return;
        res.pipeBody(new ByteBudget({ bytes: 0, tripped: false }, p.afterBytes, () => ex.cut('reset')));
      },
      tunnel(ex) {
        if (p.afterBytes === undefined) return;
        const counter = { bytes: 0, tripped: false };
        const onLimit = (): void => ex.cut('reset');
        return { toClient: new ByteBudget(counter, p.afterBytes, onLimit), toOrigin: new ByteBudget(counter, p.afterBytes, onLimit) };
      },
    };
  },
};
