/** Types of plain-app.js (plain JavaScript, so that `node examples/plain-app.js` runs it as it is). */
export interface PlainApp {
  url: string;
  port: number;
  close(): Promise<void>;
}
export function startPlainApp(opts?: { port?: number; tickMs?: number }): Promise<PlainApp>;
