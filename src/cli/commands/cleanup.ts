import { describeReaped, reapLeftovers, runsRoot } from '../../util/run-registry';

/** `pushthrough cleanup`: stops and removes what runs killed by SIGKILL left behind. */
export function cleanupCommand(): void {
  const lines = describeReaped(reapLeftovers());
  process.stdout.write(lines.length ? `${lines.join('\n')}\n` : `nothing left over by earlier runs (records in ${runsRoot()})\n`);
}
