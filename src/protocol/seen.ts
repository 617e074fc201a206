/**
 * The origin's answer to `GET /_seen?id=PROBE`: what reached it for one probe
 * id, so a report can say "the proxy removed the Upgrade header" from
 * evidence instead of guessing.
 */
/** One request as the origin saw it. */
export interface SeenRequest {
  at: number;
  method: string;
  path: string;
  httpVersion: string;
  headers: Record<string, string>;
  upgraded: boolean;
}
