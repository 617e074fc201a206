import { diffCommand } from './diff';
import { UsageError } from '../usage-error';

/** `pushthrough diff old.json new.json`: exit 1 when a cell got worse. */
export async function diffCommandCli(oldPath: string, newPath: string, opts: { format: 'table' | 'json' | 'markdown'; out?: string }): Promise<void> {
  try {
    process.exitCode = await diffCommand(oldPath, newPath, opts);
  } catch (err) {
    throw new UsageError((err as Error).message.split('\n')[0]);
  }
}
