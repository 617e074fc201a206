/**
 * Before probing a URL, make sure a pushthrough origin answers there: a dead
 * URL, or some other server, is a usage error (one line, exit 2), not four
 * failed transports. A forward proxy (--via) that refuses to tunnel to it is
 * not: that is what the probe is for, and its cells say so.
 */
import { fetchFor } from '../client/http';
import { classifyError } from '../client/recorder';
import { endpointUrl, type ProbeTarget } from '../client/target';
import { askForTunnel, authorityOf } from '../client/ws-via';
import { UsageError } from '../util/errors';
import { isCertificateError } from '../util/tls-errors';

const START_HINT = "expected a pushthrough origin — start one with 'pushthrough origin --port 8080'";

export async function checkIsOrigin(target: ProbeTarget): Promise<void> {
  const { baseUrl, via } = target;
  const url = endpointUrl(target, '/health', {});
  let res: Response;
  let text = '';
  try {
    res = await fetchFor(target)(url, { signal: AbortSignal.timeout(5000) });
    text = (await res.text()).slice(0, 2000);
  } catch (err) {
    const timedOut = (err as Error)?.name === 'TimeoutError';
    const code = classifyError(err).code;
    const url = new URL(baseUrl);
    // A forward proxy that refuses the tunnel by policy is the finding itself: the probe grades it (reason 'blocked').
    if (via && url.protocol === 'https:') {
      const authority = authorityOf(url);
      const status = await askForTunnel(new URL(via), authority);
      if (status === 407) throw new UsageError(`the forward proxy ${via} asks for credentials (HTTP 407): give them in --via http://user:password@host:port`);
      if (status !== undefined && status >= 500) {
        throw new UsageError(`the forward proxy ${via} could not open a tunnel to ${authority} (HTTP ${status}): it cannot reach the origin there; check the URL, and that the origin is running`);
      }
      if (status !== undefined && status !== 200) return;
    }
    if (!timedOut && isCertificateError(code)) {
      throw new UsageError(`${baseUrl}: its certificate is not trusted (${code}); pass --ca FILE with the CA that signed it (or set NODE_EXTRA_CA_CERTS), or --insecure to skip verification`);
    }
    throw new UsageError(`nothing answers at ${baseUrl}${via ? ` via ${via}` : ''} (GET /health: ${timedOut ? 'no answer within 5 s' : classifyError(err).code}); ${START_HINT}`);
  }
  let body: { tool?: unknown } | undefined;
  try {
    body = JSON.parse(text) as { tool?: unknown };
  } catch {
    body = undefined;
  }
  if (res.status === 200 && body?.tool === 'pushthrough') return;
  const server = res.headers.get('server');
  const what = `HTTP ${res.status}${server ? ` from ${server}` : ''}${text ? `: "${text.replace(/\s+/g, ' ').trim().slice(0, 80)}"` : ''}`;
  // A proxy in front may answer /health itself with an error of its own; that is the finding a probe is for.
  if (res.status >= 500 || res.status === 403 || res.status === 407) return;
  throw new UsageError(`${baseUrl} is not a pushthrough origin (GET /health answered ${what}); ${START_HINT}`);
}
