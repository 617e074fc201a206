import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { diffCommand, readReport } from '../../../src/cli/commands/diff';
import type { Report } from '../../../src/report/types';
import { FIXTURES_DIR } from '../../helpers/golden';

const OLD = path.join(FIXTURES_DIR, 'diff-old.json');
const NEW = path.join(FIXTURES_DIR, 'diff-new.json');

describe('diffCommand', () => {
  let dir: string;
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pushthrough-diff-'));
  });
  afterEach(() => {
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('exits 1 when a cell got worse, writing the chosen format to --out', async () => {
    const out = path.join(dir, 'nested', 'diff.json');
    await expect(diffCommand(OLD, NEW, { format: 'json', out })).resolves.toBe(1);
    const written = JSON.parse(fs.readFileSync(out, 'utf8')) as { worse: number; changes: unknown[] };
    expect(written.worse).toBe(2);
    expect(written.changes).toHaveLength(13);

    const table = path.join(dir, 'diff.txt');
    await expect(diffCommand(OLD, NEW, { format: 'table', out: table })).resolves.toBe(1);
    expect(fs.readFileSync(table, 'utf8')).toContain('  sse via nginx-tuned: pass → degraded (buffered)');

    const md = path.join(dir, 'diff.md');
    await expect(diffCommand(OLD, NEW, { format: 'markdown', out: md })).resolves.toBe(1);
    expect(fs.readFileSync(md, 'utf8')).toMatch(/^# pushthrough diff/);
  });

  it('exits 0 when cells only got better or changed', async () => {
    const improved = JSON.parse(fs.readFileSync(OLD, 'utf8')) as Report;
    const idle = improved.setups.find((s) => s.id === 'sim-idle')!;
    idle.cells.find((c) => c.transport === 'sse')!.verdict = 'pass';
    idle.cells.find((c) => c.transport === 'sse')!.reason = 'none';
    idle.cells.find((c) => c.transport === 'websocket')!.verdict = 'skipped';
    idle.cells.find((c) => c.transport === 'websocket')!.reason = 'not-run';
    const file = path.join(dir, 'improved.json');
    fs.writeFileSync(file, JSON.stringify(improved));
    const out = path.join(dir, 'improved.txt');
    await expect(diffCommand(OLD, file, { format: 'table', out })).resolves.toBe(0);
    expect(fs.readFileSync(out, 'utf8')).toContain('0 worse, 1 better, 1 changed; 14 unchanged.');
  });

  it('writes to stdout without --out', async () => {
    const chunks: string[] = [];
    const spy = jest.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
      chunks.push(String(chunk));
      return true;
    });
    try {
      await expect(diffCommand(OLD, OLD, { format: 'table' })).resolves.toBe(0);
    } finally {
      spy.mockRestore();
    }
    expect(chunks.join('')).toContain('No cell changed (16 compared).');
  });

  it('names the file and what was expected, in one line, for a missing file', async () => {
    const missing = path.join(dir, 'nope.json');
    await expect(diffCommand(missing, NEW, { format: 'table' })).rejects.toThrow(
      `cannot read the old report ${missing}: no such file (expected a JSON report written by \`pushthrough run --format json\`)`,
    );
  });

  it('rejects a file that is not JSON', async () => {
    const bad = path.join(dir, 'bad.json');
    fs.writeFileSync(bad, '<html>not json</html>');
    const err = await diffCommand(OLD, bad, { format: 'table' }).catch((e: Error) => e);
    expect(err).toBeInstanceOf(Error);
    expect((err as Error).message).toMatch(new RegExp(`^the new report ${bad.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')} is not JSON: .+ \\(expected a JSON report`));
    expect((err as Error).message).not.toContain('\n');
  });

  it('rejects JSON that is not a pushthrough report', async () => {
    const other = path.join(dir, 'other.json');
    fs.writeFileSync(other, JSON.stringify({ tool: 'k6', setups: [] }));
    await expect(diffCommand(other, NEW, { format: 'table' })).rejects.toThrow(/^the old report .*other\.json is not a pushthrough report: .+ \(expected a JSON report/);
  });

  it('rejects an unknown format', async () => {
    await expect(diffCommand(OLD, NEW, { format: 'yaml' as never })).rejects.toThrow('unknown diff format "yaml": expected table, json or markdown');
  });

  it('reads every fixture report as valid against the report schema', async () => {
    for (const name of ['sample-run.json', 'diff-old.json', 'diff-new.json']) {
      await expect(readReport(path.join(FIXTURES_DIR, name), 'new')).resolves.toMatchObject({ tool: 'pushthrough' });
    }
  });
});
