#!/usr/bin/env node
/**
 * pushthrough — will your real-time features survive this proxy?
 *
 *   pushthrough origin [--port 8080] [--host 127.0.0.1] [--token T] [--tls | --cert F --key F]
 *   pushthrough probe <url> [--transports ...] [--idle 5] [--hold 5] [--format table|json|markdown|html|junit] [--out FILE]
 *                         [--measure [--max-idle 120] [--max-streams 64]]
 *   pushthrough run [--setups a,b] [--format ...] [--out FILE] [--junit FILE] [--real nginx=./site.conf.tmpl] [--require-real]
 *   pushthrough proxy --setup <id|file> | --real <product=template> --target URL [--port 8080]
 *   pushthrough setups
 *   pushthrough diff old.json new.json
 *   pushthrough reports <origin-url> [id|latest] [--format ...]
 *   pushthrough load <url> | --setup ID | --real nginx=naive [--streams 1000] [--threshold 'p99<500ms']
 *
 * Exit codes (src/util/errors.ts EXIT): 0 as expected, 1 not as expected /
 * something worse, 2 usage or configuration error, 4 the tester could not run
 * some checks, 70 a bug in pushthrough, 130/143 interrupted.
 */
import { Command, CommanderError, Option } from 'commander';
import { FORMATS } from '../report/render';
import { EXIT, TesterError, UsageError } from '../util/errors';
import { VERSION } from '../version';
import { LOAD_FORMATS } from '../vocabulary';
import { installSignalHandlers, interruptedExitCode, reapEarlierRuns, shutdownAll } from './cleanup';
import { cleanupCommand } from './commands/cleanup';
import { ORIGIN_LIMIT_OPTIONS, originCommand } from './commands/origin';
import { probeCommand } from './commands/probe';
import { proxyCommand } from './commands/proxy';
import { runCommand } from './commands/run';
import { setupsCommand } from './commands/setups';

/** The options `probe` and `run` share: what to probe, for how long, and where the report goes. */
function addProbingOptions(cmd: Command, defaults: { idleSeconds: string; holdSeconds: string }): void {
  cmd
    .option('--transports <list>', 'comma-separated: short-poll,long-poll,sse,websocket', 'short-poll,long-poll,sse,websocket')
    .option('--idle <seconds>', 'how long a stream stays silent in the idle check', defaults.idleSeconds)
    .option('--hold <seconds>', 'how long a long-poll request is held', defaults.holdSeconds)
    .option('--heartbeat <seconds>', 'heartbeat interval for the duration and keepalive checks', '0.25')
    .option('--keepalive', 'also learn which keepalive traffic (SSE event or comment, WebSocket ping or message either way, long-poll trickle) keeps streams open through the path')
    .addOption(new Option('--format <format>', 'output format').choices(FORMATS).default('table'))
    .option('--out <file>', 'write the report to a file instead of stdout')
    .option('--wide', 'table: the bordered layout with mitigations in the cells, whatever the terminal width')
    .option('--via <proxy-url>', 'send every client through this forward proxy (http://host:port)')
    .option('--ca <file>', 'trust the CA certificates (PEM) in this file for https/wss, besides the system store and NODE_EXTRA_CA_CERTS')
    .option('--insecure', 'do not verify the server certificate (https/wss)')
    .option('--http1', 'polls and SSE speak HTTP/1.1 even where a TLS front offers HTTP/2 (by default they take HTTP/2 when ALPN offers it, as browsers do)')
    .option('--no-mitigations', 'do not try app-side fixes on broken transports')
    .option('--libraries <list>', 'also run these real-time libraries through every setup, with their own servers on the origin and their own clients: socket.io,sockjs')
    .option('--clients <list>', "who probes: node (pushthrough's own clients), and chromium for headless Chromium's fetch, EventSource and WebSocket beside them (needs /usr/bin/chromium: apt-get install -y chromium)", 'node');
}

const oneLineErrors = { outputError: (str: string, write: (s: string) => void) => write(str.split('\n')[0].replace(/^error: /, 'pushthrough: ') + '\n') };

export function buildProgram(): Command {
  const program = new Command();
  program
    .name('pushthrough')
    .description('Will short polling, long polling, SSE and WebSocket survive this proxy, load balancer, CDN or firewall?')
    .version(VERSION)
    .showSuggestionAfterError(true)
    .exitOverride()
    .configureOutput(oneLineErrors);

  const origin = program
    .command('origin')
    .description('run the instrumented origin serving all four transports')
    .option('--port <port>', 'port to listen on (0 = any free port)', '8080')
    .option('--host <host>', 'address to listen on', '127.0.0.1')
    .option('--token <token>', 'only answer requests that carry X-Pushthrough-Token (or ?token= where a browser cannot set headers)')
    .option('--tls', 'serve https/wss with a throwaway CA made for this run (its ca.pem path is printed)')
    .option('--cert <file>', 'serve https/wss with this certificate (PEM); with --key')
    .option('--key <file>', 'the private key (PEM) of --cert')
    .option('--libraries <list>', 'also serve these real-time libraries at their usual paths, fed by the same channels: socket.io (/socket.io/), sockjs (/sockjs)');
  for (const [flags, help] of ORIGIN_LIMIT_OPTIONS) origin.option(flags, help);
  origin.action(originCommand);

  program
    .command('proxy')
    .description('put one setup in front of any HTTP/WebSocket app until Ctrl-C')
    .option('--setup <id|file>', "a setup id (see 'pushthrough setups') or a setup file")
    .option('--real <product=template>', 'a real proxy with a config template: nginx=tuned (a shipped one) or nginx=./site.conf.tmpl')
    .requiredOption('--target <url>', 'the app behind the proxy, e.g. http://127.0.0.1:3000')
    .option('--port <port>', 'port to listen on (0 = any free port)', '8080')
    .option('--host <host>', 'address to listen on', '127.0.0.1')
    .option('--scale <factor>', "the products' real timeouts times this (0.02 = the matrix's timing)", '1')
    .option('--control <port>', 'serve the control API on 127.0.0.1:<port>: GET/PUT /faults, POST/DELETE /faults/<name>, POST /reset')
    .option('--quiet', 'no log line per exchange')
    .option('--wait <seconds>', 'wait up to this long for the target to answer before starting (default 3)')
    .option('--cert <file>', "a TLS front (a real product's TLS template, or a setup with tls: true): serve this certificate (PEM) instead of a throwaway one; with --key")
    .option('--key <file>', 'the private key (PEM) of --cert')
    .action(proxyCommand);

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
    .option('--real <product=template...>', 'run a real proxy with your own config template, e.g. nginx=./site.conf.tmpl')
    .option('--external <id=url...>', 'probe an origin already deployed behind some infrastructure, as a setup')
    .option('--no-real', 'leave out the real-proxy setups')
    .option('--require-real', 'a real proxy that is not installed is an error, not a skip (also PUSHTHROUGH_REQUIRE_PROXIES=1)')
    .option('--wait <seconds>', 'wait up to this long for each --external setup to answer before probing it')
    .option('--junit <file>', 'also write JUnit XML, one testcase per cell')
    .option('--json <file>', 'also write the JSON report')
    .action(runCommand);
  addProbingOptions(run, { idleSeconds: '4', holdSeconds: '4' });

  program
    .command('setups')
    .description('list the built-in setups and which real proxies are installed')
    .addOption(new Option('--format <format>', 'output format').choices(['table', 'json']).default('table'))
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
      (require('./commands/diff') as typeof import('./commands/diff')).diffCommandCli(oldPath, newPath, opts),
    );

  program
    .command('load')
    .description('hold many streams through a path and find where it gives out: how many stay open, how the rest fail, at what latency')
    .argument('[url]', 'a pushthrough origin someone deployed (or give --setup / --real)')
    .option('--setup <id>', 'a built-in simulated setup in front of an origin started for the run')
    .option('--real <product=variant>', 'a real proxy with a shipped template, e.g. nginx=naive')
    .option('--transports <list>', 'comma-separated: sse,websocket,long-poll', 'sse,websocket')
    .option('--streams <n>', 'streams in all, spread over the transports', '1000')
    .option('--ramp <seconds>', 'open them evenly over this long (default: 10)')
    .option('--rate <n/s>', 'or open this many a second, e.g. 500/s: the ramp is then streams ÷ rate')
    .option('--duration <seconds>', 'hold them this long after the ramp', '30')
    .option('--interval <seconds>', 'an event on every stream this often', '1')
    .option('--threshold <expr...>', "fail (exit 1) unless it holds, as in k6: 'p99<500ms', 'failed<1%', 'open>=900'")
    .addOption(new Option('--format <format>', 'output format; html draws streams and latency over time').choices(LOAD_FORMATS).default('table'))
    .option('--out <file>', 'write the report to a file instead of stdout')
    .option('--origin-token <token>', 'token of an origin started with --token')
    .option('--insecure', 'do not verify the server certificate (https/wss)')
    .addOption(new Option('--export <tool>', 'write the load as a scenario for another load tool instead of running it: artillery (for load one machine cannot make)').choices(['artillery']))
    .action((url: string | undefined, opts: import('./commands/load').LoadCliOptions) => (require('./commands/load') as typeof import('./commands/load')).loadCommand(url, opts));

  program
    .command('reports')
    .description("list the field reports browsers sent back to an origin's page, or render one")
    .argument('<origin-url>', 'the origin whose page the browsers opened, e.g. https://rt-check.example.com')
    .argument('[id]', 'a report id from the list, or latest; without it the reports are listed')
    .option('--origin-token <token>', 'token of an origin started with --token')
    .addOption(new Option('--format <format>', 'output format').choices(FORMATS).default('table'))
    .option('--out <file>', 'write the report to a file instead of stdout')
    .option('--wide', 'table: the bordered layout')
    .option('--ca <file>', 'trust the CA certificates (PEM) in this file for https')
    .option('--insecure', 'do not verify the server certificate (https)')
    .action((url: string, id: string | undefined, opts: import('./commands/reports').ReportsCliOptions) =>
      (require('./commands/reports') as typeof import('./commands/reports')).reportsCommand(url, id, opts),
    );

  program
    .command('cleanup')
    .description('stop and remove what earlier runs left behind when they were killed (run, probe and proxy do this first)')
    .action(cleanupCommand);

  // Commands that start proxies first reap what SIGKILLed runs left behind.
  program.hook('preAction', (_program, action) => {
    if (['run', 'probe', 'proxy', 'origin', 'load'].includes(action.name())) reapEarlierRuns();
  });

  for (const cmd of program.commands) cmd.exitOverride().configureOutput(oneLineErrors);
  return program;
}

/**
 * Runs the CLI; resolves to the exit code. A UsageError (and commander's own
 * argument errors) is one line and exit 2; a TesterError (a helper of ours
 * that could not start here) one line and exit 4; anything else thrown is a
 * bug in pushthrough, reported with its stack, exit 70.
 */
export async function main(argv: string[]): Promise<number> {
  const program = buildProgram();
  try {
    await program.parseAsync(argv);
    return process.exitCode !== undefined ? Number(process.exitCode) : EXIT.ok;
  } catch (err) {
    if (err instanceof CommanderError) {
      // --help and --version are not errors.
      if (err.exitCode === 0 || err.code === 'commander.helpDisplayed' || err.code === 'commander.version') return EXIT.ok;
      return EXIT.usage;
    }
    if (err instanceof UsageError) {
      process.stderr.write(`pushthrough: ${err.message}\n`);
      return EXIT.usage;
    }
    // This machine could not run what was asked (a helper of ours did not start): the tester's problem, neither a bug nor the path's.
    if (err instanceof TesterError) {
      process.stderr.write(`pushthrough: ${err.message}\n`);
      return EXIT.testerError;
    }
    process.stderr.write(`pushthrough: internal error (a bug in pushthrough, please report it): ${(err as Error)?.stack ?? String(err)}\n`);
    return EXIT.internal;
  }
}

if (require.main === module) {
  installSignalHandlers();
  main(process.argv).then(
    (result) => {
      // Exit once the output is flushed: pooled keep-alive sockets must not
      // hold a finished command open. (`origin` never gets here.) A command
      // cut short by a signal exits with the signal's code.
      const code = interruptedExitCode() ?? result;
      process.exitCode = code;
      void shutdownAll().finally(() => process.stdout.write('', () => process.stderr.write('', () => process.exit(code))));
    },
    (err) => {
      process.stderr.write(`pushthrough: internal error (a bug in pushthrough, please report it): ${(err as Error)?.stack ?? String(err)}\n`);
      process.exitCode = EXIT.internal;
    },
  );
}
