/**
 * `pushthrough reports <origin-url> [id]`: the field reports browsers sent
 * back to an origin (its page's "Send" button, POST /_reports).
 *
 * Without an id it lists them, newest first, one line each; with an id (or
 * `latest`) it renders that report in any format, as `run` renders its own.
 * An origin that cannot be reached, or answers something that is not a
 * report, is one line and exit 2.
 */
import { fetchFor } from '../../client/http';
import { targetHeaders, type ProbeTarget } from '../../client/target';
import type { Report } from '../../report/types';
import { validateReport } from '../../report/validate';
import { UsageError } from '../../util/errors';
import { parseFormat, parseHttpUrl } from '../options';
import { checkWritable, emit } from '../output';
import { trustFrom } from '../tls-files';

export interface ReportsCliOptions {
  originToken?: string;
  format: string;
  out?: string;
  wide?: boolean;
  ca?: string;
  insecure?: boolean;
}

interface Listed {
  id: string;
  receivedAt?: string;
  userAgent: string;
  pageUrl: string;
  cells: Array<{ transport: string; verdict: string; reason: string }>;
}

async function getJson(target: ProbeTarget, path: string): Promise<{ status: number; body: unknown }> {
  const url = new URL(path, target.baseUrl);
  let res: Response;
  try {
    res = await fetchFor(target)(url, { headers: targetHeaders(target), signal: AbortSignal.timeout(10_000) });
  } catch (err) {
    const e = err as Error & { cause?: { code?: string; message?: string } };
    throw new UsageError(`cannot reach ${url.origin}: ${e.cause?.code ?? e.cause?.message ?? e.message} (expected a running \`pushthrough origin\`)`);
  }
  const text = await res.text();
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    throw new UsageError(`${url} answered HTTP ${res.status} with something that is not JSON (expected a \`pushthrough origin\`)`);
  }
  if (res.status === 401) throw new UsageError(`${url.origin} wants its token: pass --origin-token`);
  return { status: res.status, body };
}

/** One line per stored report: id, when, verdicts, browser. */
export function listLine(r: Listed): string {
  const verdicts = r.cells.map((c) => `${c.transport} ${c.verdict}${c.reason !== 'none' ? ` (${c.reason})` : ''}`).join(', ');
  return `${r.id}  ${r.receivedAt ?? ''}  ${verdicts}  — ${r.userAgent}`;
}

export async function reportsCommand(rawUrl: string, id: string | undefined, opts: ReportsCliOptions): Promise<void> {
  const baseUrl = parseHttpUrl('<origin-url>', rawUrl);
  const format = parseFormat(opts.format);
  if (id !== undefined && id !== 'latest' && !/^[A-Za-z0-9-]{1,40}$/.test(id)) throw new UsageError(`report id '${id}' is not one the origin gives (expected an id from the list, or latest)`);
  if (opts.out) checkWritable(opts.out);
  const target: ProbeTarget = { baseUrl, token: opts.originToken, tls: trustFrom(opts.ca, opts.insecure) };
  const list = await getJson(target, '/_reports');
  const reports = (list.body as { reports?: Listed[] }).reports;
  if (list.status !== 200 || !Array.isArray(reports)) throw new UsageError(`${baseUrl}/_reports answered HTTP ${list.status} without a list of reports (expected a \`pushthrough origin\`)`);
  if (id === undefined) {
    if (reports.length === 0) process.stdout.write(`no field reports stored at ${baseUrl} yet: open ${baseUrl}/ in a browser and press "Send"\n`);
    for (const r of reports) process.stdout.write(`${listLine(r)}\n`);
    return;
  }
  const wanted = id === 'latest' ? reports[0]?.id : id;
  if (!wanted) throw new UsageError(`no field reports stored at ${baseUrl} yet (expected one sent from its page)`);
  const one = await getJson(target, `/_reports/${wanted}`);
  if (one.status === 404) throw new UsageError(`no report '${wanted}' at ${baseUrl} (the origin keeps reports in memory while it runs; list them with: pushthrough reports ${baseUrl})`);
  const problem = validateReport(one.body);
  if (one.status !== 200 || problem) throw new UsageError(`${baseUrl}/_reports/${wanted} is not a pushthrough report (HTTP ${one.status}${problem ? `: ${problem}` : ''})`);
  emit(one.body as Report, format, { out: opts.out, wide: opts.wide });
}
