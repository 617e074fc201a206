import { classifyError } from '../../../src/client/recorder';
import { ConnectRefused } from '../../../src/client/ws-via';
import { CONNECT_REFUSED } from '../../../src/vocabulary';

describe('classifyError', () => {
  it("reads a refused CONNECT out of fetch's double wrapping of undici's tunnel error", () => {
    const undici = Object.assign(new Error('Proxy response (403) !== 200 when HTTP Tunneling'), { code: 'UND_ERR_ABORTED' });
    const fetchError = Object.assign(new TypeError('fetch failed'), { cause: Object.assign(new Error('Request was cancelled.'), { cause: undici }) });
    expect(classifyError(fetchError)).toEqual({ code: CONNECT_REFUSED, message: 'the forward proxy refused CONNECT (HTTP 403)', how: 'reset' });
  });

  it("takes the ws client's ConnectRefused, with the proxy and the authority it names", () => {
    const err = new ConnectRefused(403, '127.0.0.1:8443', 'http://127.0.0.1:3128');
    expect(classifyError(err)).toMatchObject({ code: CONNECT_REFUSED, message: 'the forward proxy http://127.0.0.1:3128 refused CONNECT 127.0.0.1:8443 (HTTP 403)' });
  });

  it('keeps resets and mid-body FINs apart', () => {
    expect(classifyError(Object.assign(new Error('read ECONNRESET'), { code: 'ECONNRESET' })).how).toBe('reset');
    expect(classifyError(Object.assign(new TypeError('terminated'), { cause: { code: 'UND_ERR_SOCKET', message: 'other side closed' } }))).toMatchObject({ code: 'EOF', how: 'clean-close' });
  });
});
