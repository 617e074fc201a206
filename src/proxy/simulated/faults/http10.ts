/**
 * http10: talks HTTP/1.0 to the origin, as nginx did by default before 1.29.7
 * (without `proxy_http_version 1.1`;
 * https://nginx.org/en/docs/http/ngx_http_proxy_module.html#proxy_http_version,
 * https://github.com/nginx/nginx/commit/6bb27a63129968da17b21589b73aa4f47b8445ec,
 * docs/proxy-behaviour.md#nginx): request line `HTTP/1.0`, `Connection:
 * close`, no chunked request body (a chunked body is read whole and sent with
 * Content-Length), no Upgrade — a WebSocket handshake goes out as a plain
 * HTTP/1.0 GET and the client gets the origin's answer to that ("Handshake
 * ended with HTTP error: 400", user report:
 * https://github.com/hispanico/ansible-nginx-revproxy/pull/50). The origin,
 * seeing 1.0, must delimit its body by closing the connection instead of
 * chunking it.
 *
 * Node's http client always writes `HTTP/1.1`, so this fault uses its own
 * Agent whose sockets rewrite the request line in their first write (the
 * ClientRequest writes its whole head, request line first, in one write).
 */
import * as http from 'node:http';
import * as net from 'node:net';
import { PassThrough, type Duplex } from 'node:stream';
import type { FaultDefinition } from '../fault-types';
import { errorPage } from '../http-util';
import { readAll } from '../streams';

export interface Http10Params {
  /** largest chunked request body read into memory to send with Content-Length */
  maxRequestBodyBytes: number;
}

const REQUEST_LINE_11 = / HTTP\/1\.1\r\n/;

/** Rewrites " HTTP/1.1\r\n" at the end of the first line of the first write to " HTTP/1.0\r\n". */
export function rewriteRequestLine(data: string | Uint8Array): string | Uint8Array {
  if (typeof data === 'string') {
    const eol = data.indexOf('\r\n');
    if (eol < 0) return data;
    return data.slice(0, eol + 2).replace(REQUEST_LINE_11, ' HTTP/1.0\r\n') + data.slice(eol + 2);
  }
  const buf = Buffer.from(data.buffer, data.byteOffset, data.byteLength);
  const eol = buf.indexOf('\r\n');
  if (eol < 0) return data;
  const line = buf.subarray(0, eol + 2).toString('latin1');
  const fixed = line.replace(REQUEST_LINE_11, ' HTTP/1.0\r\n');
  return line === fixed ? data : Buffer.concat([Buffer.from(fixed, 'latin1'), buf.subarray(eol + 2)]);
}

/** An Agent whose connections announce HTTP/1.0 and are never reused. */
export class Http10Agent extends http.Agent {
  constructor() {
    super({ keepAlive: false });
  }

  override createConnection(options: http.ClientRequestArgs): Duplex {
    const socket = net.createConnection(options as net.NetConnectOpts);
    const write = socket.write;
    // Only the first write carries the request line; restore the method after it.
    socket.write = function patchedWrite(this: net.Socket, ...args: unknown[]): boolean {
      socket.write = write;
      args[0] = rewriteRequestLine(args[0] as string | Uint8Array);
      return (write as (...a: unknown[]) => boolean).apply(this, args);
    } as typeof socket.write;
    return socket;
  }
}

export const http10: FaultDefinition<Http10Params> = {
  name: 'http10',
  summary: 'speaks HTTP/1.0 upstream: Connection: close, no chunked, no Upgrade (nginx before 1.29.7)',
  paramsSchema: {
    type: 'object',
    additionalProperties: false,
    properties: {
      maxRequestBodyBytes: { type: 'integer', minimum: 0, default: 1_048_576 },
    },
  },
  explain() {
    return 'sends requests upstream as HTTP/1.0 with Connection: close, so WebSocket handshakes arrive as plain GETs and bodies are delimited by close';
  },
  create(p) {
    const agent = new Http10Agent();
    return {
      async request(ex) {
        if (ex.upgrade) {
          delete ex.headers['upgrade'];
          ex.upgrade = false;
          ex.log('HTTP/1.0 upstream: the Upgrade was dropped');
        }
        ex.agent = agent;
        ex.headers['connection'] = 'close';
        // HTTP/1.0 has no chunked coding (RFC 7230 §3.3.1: a 1.1 sender must
        // not send it to a 1.0 recipient): read the body and send its length.
        if (ex.headers['transfer-encoding'] !== undefined) {
          let body: Buffer;
          try {
            body = await readAll(ex.req, p.maxRequestBodyBytes);
          } catch {
            return errorPage(413, 'http10', `request body over ${p.maxRequestBodyBytes} bytes`);
          }
          delete ex.headers['transfer-encoding'];
          ex.headers['content-length'] = String(body.length);
          const stream = new PassThrough();
          stream.end(body);
          ex.replaceRequestBody(stream);
        }
      },
      close() {
        agent.destroy();
      },
    };
  },
};
