/** Before probing a URL, make sure something answers there: a dead URL is a usage error, not 4 failed transports. */
import { fetchFor } from '../client/http';
import { endpointUrl } from '../client/target';
import { classifyError } from '../client/recorder';
import { UsageError } from './usage-error';

export async function checkReachable(baseUrl: string, via?: string, token?: string): Promise<void> {
  const url = endpointUrl({ baseUrl, token }, '/health', {});
  try {
    const res = await fetchFor({ baseUrl, via })(url, { signal: AbortSignal.timeout(5000) });
    await res.arrayBuffer().catch(() => undefined);
  } catch (err) {
    const timedOut = (err as Error)?.name === 'TimeoutError';
    const c = classifyError(err);
    throw new UsageError(
      `nothing answers at ${baseUrl}${via ? ` via ${via}` : ''} (GET /health: ${timedOut ? 'no answer within 5 s' : c.code}); expected a pushthrough origin — start one with 'pushthrough origin --port 8080'`,
    );
  }
}
