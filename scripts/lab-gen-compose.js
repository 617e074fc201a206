#!/usr/bin/env node
/**
 * Writes docker-compose.yml from pushthrough's product registry
 * (src/proxy/real/products, compiled to dist/) and the templates under
 * proxies/<product>/*.conf.tmpl: one origin service, one service per product ×
 * variant running `pushthrough proxy --real product=template` (the same
 * launcher as a native run), a prober that runs `pushthrough run --external …`
 * against all of them, and the unverified Envoy/Traefik services under the
 * `unverified` profile. The lab image's package list comes from the registry too.
 *
 * Generated rather than hand-written so the lab never drifts from proxies/:
 * `scripts/lab-compose.sh` runs this with --check and refuses to start when
 * the committed file is stale.
 *
 * Usage: node scripts/lab-gen-compose.js [--check | --plan] [--base-port N]
 *   --check        exit 1 (one line) when docker-compose.yml differs from what would be written
 *   --plan         print the port plan as JSON (scripts/lab-compose.sh reads it) and write nothing
 *   --base-port N  origin on N, proxies on N+1, N+2, ... (default 27100)
 *
 * Plain CommonJS; it reads the compiled registry, so dist/ must be built
 * (npm install builds it; scripts/lab-compose.sh stages it first).
 */
'use strict';

const fs = require('node:fs');
const path = require('node:path');

const REPO = path.resolve(__dirname, '..');
const OUT = path.join(REPO, 'docker-compose.yml');
// Below the kernel's ephemeral range (32768-60999 on Linux): ports there are handed out to
// outgoing connections and listen(0) servers of anything else running, and collided here.
const DEFAULT_BASE_PORT = 27100;
/** How long the prober waits for each service to answer before probing it (one that never answers becomes an error cell). */
const READY_WAIT_S = 120;
/**
 * TLS templates serve one certificate made for the whole lab (scripts/lab-tls.js
 * writes ./lab-tls before `up`), and the prober trusts its CA: each proxy
 * making its own throwaway CA would leave the prober nothing to trust.
 */
const TLS_MOUNT = '/lab-tls';
const TLS_VOLUME = ['    volumes:', `      - ./lab-tls:${TLS_MOUNT}:ro`];
/** Ports of the unverified services (images from a registry; not run here). */
const UNVERIFIED = [
  { id: 'envoy', offset: 90 },
  { id: 'traefik', offset: 91 },
];

function usage(message) {
  process.stderr.write(`lab-gen-compose: ${message}\nusage: node scripts/lab-gen-compose.js [--check | --plan] [--base-port N]\n`);
  process.exit(2);
}

function parseArgs(argv) {
  const opts = { check: false, plan: false, basePort: DEFAULT_BASE_PORT };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === '--check') opts.check = true;
    else if (arg === '--plan') opts.plan = true;
    else if (arg === '--base-port') {
      const value = Number(argv[++i]);
      if (!Number.isInteger(value) || value < 1024 || value > 65000) usage(`--base-port must be an integer 1024-65000, got '${argv[i]}'`);
      opts.basePort = value;
    } else usage(`unknown argument '${arg}'`);
  }
  return opts;
}

/** The compiled product registry (dist/proxy/real/installed.js). */
function registry() {
  const file = path.join(REPO, 'dist', 'proxy', 'real', 'installed.js');
  if (!fs.existsSync(file)) usage(`${path.relative(REPO, file)} is missing: run npm run build first`);
  return require(file);
}

/**
 * Every reverse-proxy product × variant with a template, sorted, so ports are
 * stable for a given tree. Forward proxies are left out: pushthrough goes
 * through them with --via to the origin, which the external-URL prober cannot do.
 */
function listProxies() {
  const { listRealProducts, variantRole } = registry();
  const { templateServesTls } = require(path.join(REPO, 'dist', 'proxy', 'real', 'template.js'));
  const found = [];
  for (const p of listRealProducts()) {
    for (const variant of p.variants) {
      if (variantRole(p.product, variant) === 'forward') continue;
      const template = `proxies/${p.product}/${variant}.conf.tmpl`;
      const tls = templateServesTls(fs.readFileSync(path.join(REPO, template), 'utf8'));
      found.push({ product: p.product, variant, id: `${p.product}-${variant}`, template, tls });
    }
  }
  return found;
}

/** The Debian packages of every product the lab runs, for the image. */
function packages() {
  return registry()
    .listRealProducts()
    .map((p) => p.debianPackage)
    .sort();
}

/** A YAML flow sequence of strings, each double-quoted (JSON strings are valid YAML). */
const seq = (items) => `[${items.map((s) => JSON.stringify(String(s))).join(', ')}]`;

function render(basePort) {
  const originPort = basePort;
  const proxies = listProxies().map((p, i) => ({ ...p, port: basePort + 1 + i }));
  if (proxies.length >= UNVERIFIED[0].offset) throw new Error(`too many templates (${proxies.length}) for the port plan`);
  const originUrl = `http://127.0.0.1:${originPort}`;
  const lines = [];
  const add = (...more) => lines.push(...more);

  add(
    '# GENERATED by scripts/lab-gen-compose.js from proxies/<product>/*.conf.tmpl.',
    '# Do not edit by hand: change the generator or the templates, then run',
    '#   node scripts/lab-gen-compose.js',
    '#',
    '# The pushthrough lab in containers (docs/lab.md): the origin, every real',
    '# proxy template from Debian\'s packages, and a prober that writes its',
    '# reports to ./lab-reports/. Host networking only, everything on 127.0.0.1,',
    `# origin on ${originPort}, proxies from ${basePort + 1}. No \`version:\` key: read by`,
    '# Compose v1 (1.29) and `docker compose` v2 alike.',
    '#',
    '#   npm run lab:compose                     # all of it, torn down afterwards',
    '#   BASE_IMAGE=local/debian:bookworm docker-compose up --build --exit-code-from prober',
    '',
    'x-lab: &lab',
    '  image: ${LAB_IMAGE:-pushthrough-lab:local}',
    '  network_mode: host',
    '  # docker-init as PID 1: forwards SIGTERM to the proxy, reaps its exited helpers',
    '  init: true',
    '  stop_grace_period: 10s',
    '',
    'services:',
    '  origin:',
    '    <<: *lab',
    '    # The only service that builds; every other one runs the same image.',
    '    build:',
    '      context: .',
    '      dockerfile: docker/Dockerfile',
    '      network: host',
    '      args:',
    '        BASE_IMAGE: ${BASE_IMAGE:-debian:bookworm-slim}',
    `        PROXY_PACKAGES: ${JSON.stringify(packages().join(' '))}`,
    `    command: ${seq(['node', 'dist/cli/main.js', 'origin', '--port', originPort, '--host', '127.0.0.1'])}`,
  );

  for (const p of proxies) {
    add(
      '',
      `  ${p.id}:`,
      '    <<: *lab',
      '    depends_on: [origin]',
      ...(p.tls ? TLS_VOLUME : []),
      `    command: ${seq(['node', 'dist/cli/main.js', 'proxy', '--real', `${p.product}=${p.template}`, '--target', originUrl, '--port', p.port, '--wait', '60', '--quiet', ...(p.tls ? ['--cert', `${TLS_MOUNT}/cert.pem`, '--key', `${TLS_MOUNT}/key.pem`] : [])])}`,
    );
  }

  /**
   * A prober service: `pushthrough run --external id=url …`, waiting (--wait)
   * for each target to answer; its exit code is the lab's verdict.
   */
  const proberService = ({ name, profile, dependsOn, note, targets, reportSuffix }) => [
    `  ${name}:`,
    '    <<: *lab',
    ...(profile ? [`    profiles: [${profile}]`] : []),
    `    depends_on: ${dependsOn}`,
    ...(note ? [`    # ${note}`] : []),
    '    user: ${LAB_USER:-0:0}',
    '    volumes:',
    '      - ./lab-reports:/reports',
    ...(targets.some((t) => t.tls) ? [`      - ./lab-tls:${TLS_MOUNT}:ro`] : []),
    '    command:',
    '      - node',
    '      - dist/cli/main.js',
    '      - run',
    '      - --wait',
    `      - "${READY_WAIT_S}"`,
    ...(targets.some((t) => t.tls) ? ['      - --ca', `      - ${TLS_MOUNT}/ca.pem`] : []),
    ...targets.flatMap((t) => ['      - --external', `      - ${JSON.stringify(`${t.id}=${t.tls ? 'https' : 'http'}://127.0.0.1:${t.port}`)}`]),
    '      - --json',
    `      - /reports/report${reportSuffix}.json`,
    '      - --junit',
    `      - /reports/junit${reportSuffix}.xml`,
  ];

  add(
    '',
    '  # `pushthrough run --external ID=URL`: each proxy above as a setup named like',
    '  # the native real setup (<product>-<variant>), so it is judged against the same',
    '  # <variant>.expect.yaml, beside the direct baseline the prober measures with its',
    '  # own origin. Exit 0 only when every cell is as expected.',
    ...proberService({
      name: 'prober',
      dependsOn: seq(['origin', ...proxies.map((p) => p.id)]),
      note: "LAB_USER=$(id -u):$(id -g) makes the reports yours instead of root's.",
      targets: proxies,
      reportSuffix: '',
    }),
  );

  add(
    '',
    '  # --- profile "unverified": products that are not in Debian ---------------',
    '  # Official images from a registry, which this project\'s machines cannot',
    '  # reach: these services and their configs (docker/envoy, docker/traefik)',
    '  # were NOT run here. `docker compose --profile unverified up` where a',
    '  # registry is reachable.',
  );
  const envoyPort = basePort + UNVERIFIED[0].offset;
  const traefikPort = basePort + UNVERIFIED[1].offset;
  add(
    '  envoy:',
    '    profiles: [unverified]',
    '    image: ${ENVOY_IMAGE:-envoyproxy/envoy:v1.31-latest}',
    '    network_mode: host',
    '    depends_on: [origin]',
    '    volumes:',
    '      - ./docker/envoy/envoy.yaml:/etc/envoy/envoy.yaml:ro',
    `    # envoy.yaml listens on ${envoyPort} and routes to the origin on ${originPort}`,
    `    command: ${seq(['envoy', '-c', '/etc/envoy/envoy.yaml', '--log-level', 'warn'])}`,
    '',
    '  traefik:',
    '    profiles: [unverified]',
    '    image: ${TRAEFIK_IMAGE:-traefik:v3.1}',
    '    network_mode: host',
    '    depends_on: [origin]',
    '    volumes:',
    '      - ./docker/traefik:/etc/traefik:ro',
    `    # traefik.yml listens on ${traefikPort}; dynamic.yml routes to the origin on ${originPort}`,
    `    command: ${seq(['traefik', '--configFile=/etc/traefik/traefik.yml'])}`,
    '',
    ...proberService({
      name: 'prober-unverified',
      profile: 'unverified',
      dependsOn: '[origin, envoy, traefik]',
      targets: [
        { id: 'envoy', port: envoyPort },
        { id: 'traefik', port: traefikPort },
      ],
      reportSuffix: '-unverified',
    }),
  );
  return { text: `${lines.join('\n')}\n`, proxies, originPort, envoyPort, traefikPort };
}

function main() {
  const opts = parseArgs(process.argv.slice(2));
  const { text, proxies, originPort, envoyPort, traefikPort } = render(opts.basePort);
  if (opts.plan) {
    process.stdout.write(`${JSON.stringify({ originPort, proxies, unverified: { envoy: envoyPort, traefik: traefikPort } }, null, 2)}\n`);
    return;
  }
  if (opts.check) {
    let current = '';
    try {
      current = fs.readFileSync(OUT, 'utf8');
    } catch {
      // missing counts as stale
    }
    if (current !== text) {
      process.stderr.write('lab-gen-compose: docker-compose.yml is stale (templates under proxies/ changed): run node scripts/lab-gen-compose.js\n');
      process.exit(1);
    }
    return;
  }
  if (opts.basePort !== DEFAULT_BASE_PORT) {
    // docker/envoy/envoy.yaml and docker/traefik/*.yml are static files that
    // name the ports of the default plan.
    process.stderr.write(`lab-gen-compose: note: docker/envoy and docker/traefik still use the default ports (${DEFAULT_BASE_PORT}, +90, +91): edit them for the unverified profile\n`);
  }
  fs.writeFileSync(OUT, text);
  process.stderr.write(`lab-gen-compose: wrote docker-compose.yml with ${proxies.length} proxy service(s)\n`);
}

if (require.main === module) main();

module.exports = { render, listProxies };
