/** A proxy's own log files under its WORK_DIR, captured (capped) into the report. */
import * as fs from 'node:fs';
import * as path from 'node:path';

const MAX_LOG_FILE_BYTES = 32 * 1024;
const MAX_LOG_FILE_LINES = 200;

/** Last lines of every *.log / *.out file under WORK_DIR (a few levels deep). */
export function readLogFiles(workDir: string): string[] {
  const lines: string[] = [];
  const walk = (dir: string, depth: number): void => {
    let entries: fs.Dirent[];
    try {
      entries = fs.readdirSync(dir, { withFileTypes: true });
    } catch {
      return;
    }
    for (const entry of entries.sort((a, b) => a.name.localeCompare(b.name))) {
      const full = path.join(dir, entry.name);
      if (entry.isDirectory() && depth < 3) walk(full, depth + 1);
      else if (entry.isFile() && /\.(log|out)$/.test(entry.name)) {
        const label = path.relative(workDir, full);
        for (const line of tailLines(full)) lines.push(`[${label}] ${line}`);
      }
    }
  };
  walk(workDir, 0);
  return lines;
}

function tailLines(file: string): string[] {
  try {
    const { size } = fs.statSync(file);
    const start = Math.max(0, size - MAX_LOG_FILE_BYTES);
    const fd = fs.openSync(file, 'r');
    try {
      const buffer = Buffer.alloc(size - start);
      fs.readSync(fd, buffer, 0, buffer.length, start);
      const lines = splitLines(buffer.toString('utf8'));
      if (start > 0) lines.shift(); // probably cut in the middle
      return lines.slice(-MAX_LOG_FILE_LINES);
    } finally {
      fs.closeSync(fd);
    }
  } catch {
    return [];
  }
}

export function splitLines(text: string): string[] {
  return text
    .split('\n')
    .map((line) => line.trimEnd())
    .filter((line) => line !== '');
}
