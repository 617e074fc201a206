/**
 * Progress on stderr while a run works: one self-updating line on a
 * terminal, one line per finished setup otherwise (CI logs).
 */
export class Progress {
  private readonly tty = !!process.stderr.isTTY && !process.env.CI;
  private readonly started = Date.now();
  private active = new Set<string>();
  private done = 0;

  constructor(private readonly total: number) {}

  update(ev: { setup: string; phase: 'start' | 'probed' | 'done' }): void {
    if (ev.phase === 'start') this.active.add(ev.setup);
    if (ev.phase === 'done') {
      this.active.delete(ev.setup);
      this.done++;
      if (!this.tty) process.stderr.write(`  [${this.done}/${this.total}] ${ev.setup} probed (${this.elapsed()})\n`);
    }
    if (this.tty) {
      const running = [...this.active].slice(0, 3).join(', ');
      process.stderr.write(`\r\x1b[2K  probing ${this.done}/${this.total} setups (${this.elapsed()})${running ? ` — ${running}${this.active.size > 3 ? '…' : ''}` : ''}`);
    }
  }

  finish(): void {
    if (this.tty) process.stderr.write('\r\x1b[2K');
  }

  private elapsed(): string {
    return `${((Date.now() - this.started) / 1000).toFixed(1)} s`;
  }
}
