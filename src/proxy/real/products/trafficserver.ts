import * as fs from 'node:fs';
import * as path from 'node:path';

import { behaviourDoc, type LaunchContext, type Product } from '../product';

const RECORDS = 'https://docs.trafficserver.apache.org/en/latest/admin-guide/files/records.yaml.en.html';

const upgrade = (t: string) =>
  t !== 'websocket'
    ? undefined
    : {
        doc: 'https://docs.trafficserver.apache.org/en/latest/admin-guide/files/remap.config.en.html',
        lines: ['# remap.config: upgrades need a rule with the ws (or wss) scheme', 'map ws://proxy.example.com/ws ws://origin.example.com:8080/ws'],
      };

/**
 * Apache Traffic Server 9. Configured by a whole directory of files, so an ATS
 * template is a BUNDLE: sections that start with a line `### <file name>`
 * (records.config, remap.config, …) are written into WORK_DIR/etc. The launch
 * adds what the environment needs — a runroot layout pointing every ATS
 * directory (config, logs, runtime, cache) into WORK_DIR, `#-1` as user id
 * ("do not change user", so it runs unprivileged), the packaged error-page
 * templates — and defaults for files a template leaves out (a 64 MB cache file
 * in WORK_DIR, loopback-only ip_allow.yaml, empty plugin.config).
 *
 * `traffic_server` itself runs in the foreground (no traffic_manager, which
 * would fork and restart it): https://docs.trafficserver.apache.org/en/9.2.x/appendices/command-line/traffic_server.en.html ;
 * runroot: https://docs.trafficserver.apache.org/en/9.2.x/appendices/command-line/traffic_layout.en.html
 */
export const trafficserver: Product = {
  id: 'trafficserver',
  label: 'Apache Traffic Server',
  aliases: /traffic[ _-]?server|\bats\b/,
  docs: behaviourDoc('apache-traffic-server'),
  snippetLanguage: 'sh',
  fingerprints: [
    { confidence: 'high', header: { name: 'server', pattern: /^ATS(?:\/([\d.]+))?/, version: 1 } },
    { confidence: 'high', header: { name: 'via', pattern: /ApacheTrafficServer(?:\/([\d.]+))?/, version: 1 } },
    { confidence: 'medium', body: { pattern: /Description: Could not (connect to|process) the requested/i } },
  ],
  fixes: {
    'upgrade-stripped': upgrade,
    'upgrade-rejected': upgrade,
    // 30 s no-activity for transactions, 600 s for WebSockets.
    'idle-timeout': (t) => ({
      doc: RECORDS,
      lines:
        t === 'websocket'
          ? ['traffic_ctl config set proxy.config.websocket.no_activity_timeout 3600']
          : ['traffic_ctl config set proxy.config.http.transaction_no_activity_timeout_in 3600', 'traffic_ctl config set proxy.config.http.transaction_no_activity_timeout_out 3600'],
    }),
    'first-byte-timeout': { doc: RECORDS, lines: ['traffic_ctl config set proxy.config.http.transaction_no_activity_timeout_out 120'] },
    // Client transactions end after 900 s; WebSockets after 3600 s.
    'max-duration': (t) => ({
      doc: RECORDS,
      lines: [t === 'websocket' ? 'traffic_ctl config set proxy.config.websocket.active_timeout 86400' : 'traffic_ctl config set proxy.config.http.transaction_active_timeout_in 0   # 0 = no limit'],
    }),
  },
  launch: {
    binary: '/usr/bin/traffic_server',
    debianPackage: 'trafficserver',
    daemons: ['traffic_manager', 'traffic_server'],
    pidFiles: ['/run/trafficserver/manager.lock', '/run/trafficserver/server.lock'],
    configFileName: 'trafficserver.bundle',
    foregroundArgs: (ctx) => [`--run-root=${runrootFile(ctx)}`],
    versionArgs: ['--version'],
    versionPattern: /Traffic Server (\d\S*)/,
    prepare: writeConfigDir,
    readyTimeoutMs: 60_000,
  },
};

/** Files an ATS bundle may contain; anything else is a template mistake. */
const KNOWN_FILES = new Set([
  'records.config',
  'remap.config',
  'storage.config',
  'ip_allow.yaml',
  'plugin.config',
  'logging.yaml',
  'cache.config',
  'parent.config',
  'hosting.config',
  'volume.config',
  'sni.yaml',
  'ssl_multicert.config',
  'strategies.yaml',
  'splitdns.config',
  'socks.config',
]);

function runrootFile(ctx: LaunchContext): string {
  return path.join(ctx.workDir, 'runroot.yaml');
}

/** Splits a rendered bundle into { file name → content }. */
export function splitBundle(text: string): Map<string, string> {
  const files = new Map<string, string>();
  let current: string | undefined;
  for (const line of text.split('\n')) {
    const header = /^###\s+(\S+)\s*$/.exec(line);
    if (header) {
      current = header[1];
      if (!KNOWN_FILES.has(current)) throw new Error(`unknown Traffic Server file "${current}" in bundle`);
      files.set(current, files.get(current) ?? '');
    } else if (current) {
      files.set(current, `${files.get(current)}${line}\n`);
    }
  }
  if (!files.has('remap.config')) throw new Error('the bundle has no "### remap.config" section');
  return files;
}

async function writeConfigDir(ctx: LaunchContext): Promise<void> {
  const dir = (name: string) => path.join(ctx.workDir, name);
  for (const name of ['etc', 'log', 'run', 'var', 'cache']) await fs.promises.mkdir(dir(name), { recursive: true });

  const files = splitBundle(await fs.promises.readFile(ctx.configPath, 'utf8'));
  // Environment first (a template may override the error-page dir), then the
  // template, then what must hold for us to manage the process.
  const records = [
    '# written by pushthrough: environment defaults',
    'CONFIG proxy.config.body_factory.template_sets_dir STRING /etc/trafficserver/body_factory',
    '# from the template',
    files.get('records.config') ?? '',
    '# written by pushthrough: keep the current (unprivileged) user, listen where the launcher chose',
    'CONFIG proxy.config.admin.user_id STRING #-1',
  ].join('\n');
  files.set('records.config', `${records}\n`);
  if (!files.has('storage.config')) files.set('storage.config', `${dir('cache')} 64M\n`);
  if (!files.has('ip_allow.yaml')) files.set('ip_allow.yaml', LOOPBACK_IP_ALLOW);
  for (const name of ['plugin.config', 'hosting.config', 'volume.config', 'sni.yaml', 'ssl_multicert.config']) {
    if (!files.has(name)) files.set(name, '');
  }
  for (const [name, content] of files) await fs.promises.writeFile(path.join(dir('etc'), name), content);

  const layout = {
    prefix: '/usr',
    exec_prefix: '/usr',
    bindir: '/usr/bin',
    sbindir: '/usr/sbin',
    sysconfdir: dir('etc'),
    datadir: dir('cache'),
    includedir: '/usr/include',
    libdir: '/usr/lib/trafficserver',
    libexecdir: '/usr/lib/trafficserver/modules',
    localstatedir: dir('var'),
    runtimedir: dir('run'),
    logdir: dir('log'),
    cachedir: dir('cache'),
  };
  await fs.promises.writeFile(
    runrootFile(ctx),
    Object.entries(layout)
      .map(([key, value]) => `${key}: ${value}\n`)
      .join(''),
  );
}

const LOOPBACK_IP_ALLOW = `ip_allow:
  - apply: in
    ip_addrs: [127.0.0.1, "::1"]
    action: allow
    methods: ALL
  - apply: in
    ip_addrs: [0/0, "::/0"]
    action: deny
    methods: ALL
`;
