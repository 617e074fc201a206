/**
 * A browser and Node's clients through the same setup: where their verdicts
 * differ, the report shows both and says why, from what each cell recorded.
 */
import { BROWSER_WS_FAILED } from '../vocabulary';
import type { Cell } from './types';

/** A browser's WebSocket cell that failed seeing only close code 1006: why the path refused it (an upgrade refused, a full connection limit, a blocked port) the page cannot tell. */
export function blindWebsocketFailure(cell: Cell): boolean {
  return cell.transport === 'websocket' && cell.checks.some((c) => c.measured.error !== undefined && JSON.stringify(c.measured.error).includes(BROWSER_WS_FAILED));
}

/** Why a browser's cell differs from the Node client's on the same setup and transport, in one sentence. */
export function whyClientsDiffer(browser: Cell, node: Cell, path: PathFacts = {}): string {
  if (browser.reason === 'browser-connection-limit') {
    return 'the browser keeps to 6 HTTP/1.1 connections per host and every open EventSource holds one; Node’s clients have no such limit, so they never meet it';
  }
  if (path.forwardProxy && browser.transport === 'websocket') {
    return 'a browser opens every WebSocket through a forward proxy as a CONNECT tunnel, which the proxy cannot read into, where Node’s client sent the handshake to the proxy as a request it could change or refuse';
  }
  if (browser.transport === 'sse' && node.reason === 'compressed' && browser.reason === 'buffered') {
    return 'the stream is compressed and held back by the compressor: Node read the Content-Encoding header, but a page’s EventSource sees no headers, so it can tell only that events were held back';
  }
  const b = browser.protocol?.http;
  const n = node.protocol?.http;
  if (b && n && b !== n) {
    const name = (v: string) => (v === 'h2' ? 'HTTP/2' : 'HTTP/1.1');
    return `the browser spoke ${name(b)} to the front and Node’s clients ${name(n)}, and this path treats the two differently`;
  }
  if (blindWebsocketFailure(browser)) return `a page sees only close code 1006 for a failed WebSocket, never the handshake’s status, so its reason comes from what reached the origin (${browser.reason}), where Node read the answer itself (${node.reason})`;
  if (browser.verdict === 'error' || node.verdict === 'error') return `one of the two clients could not run its checks (${browser.verdict === 'error' ? 'the browser' : 'Node'}): ${browser.verdict === 'error' ? browser.explanation : node.explanation}`;
  return `the browser saw ${browser.verdict}${browser.reason === 'none' ? '' : ` (${browser.reason})`}: ${browser.explanation} — Node’s clients saw ${node.verdict}${node.reason === 'none' ? '' : ` (${node.reason})`}: ${node.explanation}`;
}

/** What both clients went through that explains a difference. */
export interface PathFacts {
  /** the clients reached the origin through a forward proxy */
  forwardProxy?: boolean;
}

/** Marks every browser cell whose verdict or reason differs from the Node client's cell of the same transport (or library). */
export function compareWithNode(browserCells: Cell[], nodeCells: Cell[], path: PathFacts = {}): void {
  for (const cell of browserCells) {
    // A library's cell beside the same library's; a transport's beside the same transport's.
    const node = nodeCells.find((c) => (cell.library ? c.library === cell.library : !c.library && c.transport === cell.transport));
    if (!node || node.verdict === 'skipped' || cell.verdict === 'skipped') continue;
    if (node.verdict === cell.verdict && node.reason === cell.reason) continue;
    cell.differsFromNode = { verdict: node.verdict, reason: node.reason, why: whyClientsDiffer(cell, node, path) };
  }
}
