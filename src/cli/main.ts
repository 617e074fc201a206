#!/usr/bin/env node
/**
 * pushthrough — will your real-time features survive this proxy?
 *
 *   pushthrough origin [--port 8080] [--host 127.0.0.1] [--token T]
 *   pushthrough probe <url> [--transports ...] [--idle 5] [--hold 5] [--format table|json|markdown|html] [--out FILE]
 *                         [--measure [--max-idle 120] [--max-streams 64]]
 *   pushthrough run [--setups a,b] [--format ...] [--out FILE] [--junit FILE] [--real nginx=./site.conf.tmpl]
 *   pushthrough setups
 *   pushthrough diff old.json new.json
 *
 * Exit codes: 0 as expected, 1 a mismatch / something worse, 2 usage or configuration error.
 */
import { Command, CommanderError, Option } from 'commander';
import { VERSION } from '../version';
import { UsageError } from './usage-error';
import { originCommand } from './commands/origin';
import { probeCommand } from './commands/probe';
import { runCommand } from './commands/run';
import { setupsCommand } from './commands/setups';
import { installSignalHandlers, shutdownAll } from './cleanup';

const FORMATS = ['table', 'json', 'markdown', 'html'];

/** The options `probe` and `run` share: what to probe, for how long, and where the report goes. */
function addProbingOptions(cmd: Command, defaults: { idleSeconds: string; holdSeconds: string }): void {
  cmd
    .option('--transports <list>', 'comma-separated: short-poll,long-poll,sse,websocket', 'short-poll,long-poll,sse,websocket')
    .option('--idle <seconds>', 'how long a stream stays silent in the idle check', defaults.idleSeconds)
    .option('--hold <seconds>', 'how long a long-poll request is held', defaults.holdSeconds)
    .option('--heartbeat <seconds>', 'heartbeat interval for the duration check', '0.25')
    .addOption(new Option('--format <format>', 'output format').choices(FORMATS).default('table'))
    .option('--out <file>', 'write the report to a file instead of stdout')
    .option('--via <proxy-url>', 'send every client through this forward proxy (http://host:port)')
    .option('--no-mitigations', 'do not try app-side fixes on broken transports');
}

export function buildProgram(): Command {
  const program = new Command();
  program
    .name('pushthrough')
    .description('Will short polling, long polling, SSE and WebSocket survive this proxy, load balancer, CDN or firewall?')
    .version(VERSION)
    .showSuggestionAfterError(true)
    .exitOverride()
    .configureOutput({ outputError: (str, write) => write(str.split('\n')[0].replace(/^error: /, 'pushthrough: ') + '\n') });

  program
    .command('origin')
    .description('run the instrumented origin serving all four transports')
    .option('--port <port>', 'port to listen on (0 = any free port)', '8080')
    .option('--host <host>', 'address to listen on', '127.0.0.1')
    .option('--token <token>', 'only answer requests that carry ?token= or X-Pushthrough-Token')
    .action(originCommand);

  const probe = program
    .command('probe')
    .description('probe an origin reached at <url> — directly or through the proxy in front of it')
    .argument('<url>', 'base URL of a pushthrough origin, e.g. http://127.0.0.1:8080 or https://your-lb.example.com')
    .option('--origin-token <token>', 'token of an origin started with --token')
    .option('--measure', 'also measure the limits of the path: idle timeouts, lifetime, largest message, concurrent streams, product, advice')
    .option('--max-idle <seconds>', 'with --measure: longest silence searched', '120')
    .option('--max-streams <n>', 'with --measure: most simultaneous streams tried', '64')
    .action(probeCommand);
  addProbingOptions(probe, { idleSeconds: '5', holdSeconds: '5' });

  const run = program
    .command('run')
    .description('start an origin, probe it through every setup, print the matrix')
    .option('--setups <list>', 'comma-separated setup ids (default: all built-in; see `pushthrough setups`)')
    .option('--setup-file <file...>', 'add setups from YAML/JSON files')
    .option('--real <product=template...>', "run a real proxy with your own config template, e.g. nginx=./site.conf.tmpl")
    .option('--external <id=url...>', 'probe an origin already deployed behind some infrastructure, as a setup')
    .option('--no-real', 'leave out the real-proxy setups')
    .option('--junit <file>', 'also write JUnit XML, one testcase per cell')
    .option('--json <file>', 'also write the JSON report')
    .action(runCommand);
  addProbingOptions(run, { idleSeconds: '4', holdSeconds: '4' });

  program
    .command('setups')
    .description('list the built-in setups and which real proxies are installed')
    .option('--format <format>', 'table or json', 'table')
    .action(setupsCommand);

  program
    .command('diff')
    .description('compare two JSON reports; exit 1 when a cell got worse')
    .argument('<old>', 'the earlier JSON report')
    .argument('<new>', 'the later JSON report')
    .addOption(new Option('--format <format>', 'output format').choices(['table', 'json', 'markdown']).default('table'))
    .option('--out <file>', 'write to a file instead of stdout')
    .action((oldPath: string, newPath: string, opts: { format: 'table' | 'json' | 'markdown'; out?: string }) =>
      // Loaded on use: keeps start-up quick for the common commands.
      (require('./commands/diff-cli') as typeof import('./commands/diff-cli')).diffCommandCli(oldPath, newPath, opts),
    );

  return program;
}

export async function main(argv: string[]): Promise<number> {
  const program = buildProgram();
  let code = 0;
  for (const cmd of program.commands) {
    cmd.exitOverride();
    cmd.configureOutput({ outputError: (str, write) => write(str.split('\n')[0].replace(/^error: /, 'pushthrough: ') + '\n') });
    cmd.hook('postAction', (_t, action) => {
      code = (action as Command & { exitCodeValue?: number }).exitCodeValue ?? code;
    });
  }
  try {
    await program.parseAsync(argv);
    return process.exitCode !== undefined ? Number(process.exitCode) : code;
  } catch (err) {
    if (err instanceof CommanderError) {
      // --help and --version are not errors.
      if (err.exitCode === 0 || err.code === 'commander.helpDisplayed' || err.code === 'commander.version') return 0;
      return 2;
    }
    if (err instanceof UsageError) {
      process.stderr.write(`pushthrough: ${err.message}\n`);
      return 2;
    }
    process.stderr.write(`pushthrough: internal error: ${(err as Error)?.stack ?? String(err)}\n`);
    return 3;
  }
}

if (require.main === module) {
  installSignalHandlers();
  main(process.argv).then(
    (code) => {
      // Exit once the output is flushed: pooled keep-alive sockets must not
      // hold a finished command open. (`origin` never gets here.)
      process.exitCode = code;
      void shutdownAll().finally(() => process.stdout.write('', () => process.stderr.write('', () => process.exit(code))));
    },
    (err) => {
      process.stderr.write(`pushthrough: internal error: ${String(err)}\n`);
      process.exitCode = 3;
    },
  );
}
