#!/usr/bin/env bash
# Container entry point for one real proxy of the lab: renders a pushthrough
# template (proxies/<product>/<variant>.conf.tmpl) with sed and execs the proxy
# in the FOREGROUND as the container's main process, the way the native
# launcher (src/proxy/real/launcher.ts) runs it: private WORK_DIR, `nobody`
# when started as root, small environment, and the product's own knowledge
# (config file name, extra files, foreground argv, environment) taken from the
# SAME compiled spec, dist/proxy/real/products/<product>.js, not a copy.
#
# Usage: lab-proxy-entry PRODUCT TEMPLATE LISTEN_PORT ORIGIN_HOST ORIGIN_PORT
#   e.g. lab-proxy-entry nginx proxies/nginx/naive.conf.tmpl 27101 127.0.0.1 27100
# Env:   PUSHTHROUGH_DIR  where pushthrough is installed (default /opt/pushthrough)
#
# Kept until `pushthrough proxy --product P --template T --listen PORT
# --origin HOST:PORT` exists; then the compose services call that instead.
# Arguments are validated and passed as argv; nothing is eval'd.
set -euo pipefail

die() { printf 'lab-proxy-entry: %s\n' "$*" >&2; exit 2; }

(($# == 5)) || die "expected PRODUCT TEMPLATE LISTEN_PORT ORIGIN_HOST ORIGIN_PORT, got $# argument(s)"
product="$1" template="$2" listen_port="$3" origin_host="$4" origin_port="$5"
app_dir="${PUSHTHROUGH_DIR:-/opt/pushthrough}"

[[ "$product" =~ ^[a-z0-9]+$ ]] || die "PRODUCT must be a product name like nginx, got '$product'"
[[ -f "$template" ]] || die "TEMPLATE '$template' is not a file"
is_port() { [[ "$1" =~ ^[0-9]{1,5}$ ]] && (($1 >= 1 && $1 <= 65535)); }
is_port "$listen_port" || die "LISTEN_PORT must be 1-65535, got '$listen_port'"
is_port "$origin_port" || die "ORIGIN_PORT must be 1-65535, got '$origin_port'"
# Only host-name/IP characters: the value goes into sed's replacement and into
# the proxy's config, so nothing that could break either is let through.
[[ "$origin_host" =~ ^[A-Za-z0-9.:-]+$ ]] || die "ORIGIN_HOST must be a host name or IP address, got '$origin_host'"
products_js="$app_dir/dist/proxy/real/products/index.js"
[[ -f "$products_js" ]] || die "$products_js not found: the image has no compiled product specs (npm run build, then rebuild the image)"

# Asks the compiled spec. $1 = "name": print configFileName; "launch": run
# prepare(ctx), then print NUL-separated: binary, the number of args, the
# args, then KEY=VALUE environment entries (the launcher's baseEnv + spec.env).
spec() {
  PT_PRODUCTS_JS="$products_js" node -e '
    const [what, product, workDir, configPath, port, originHost, originPort] = process.argv.slice(1);
    const spec = require(process.env.PT_PRODUCTS_JS).REAL_PRODUCTS[product];
    if (!spec) {
      const known = Object.keys(require(process.env.PT_PRODUCTS_JS).REAL_PRODUCTS).join(" ");
      console.error(`lab-proxy-entry: unknown PRODUCT ${product} (known: ${known})`);
      process.exit(2);
    }
    if (what === "name") process.stdout.write(spec.configFileName);
    else launch();
    function launch() {
    const ctx = { workDir, configPath, port: Number(port), originHost, originPort: Number(originPort) };
    Promise.resolve(spec.prepare ? spec.prepare(ctx) : undefined).then(() => {
      const args = spec.foregroundArgs(ctx);
      // Same as baseEnv() in src/proxy/real/launcher.ts, then the spec own.
      const env = { PATH: process.env.PATH, LANG: "C", HOME: workDir, TMPDIR: workDir,
        XDG_CONFIG_HOME: workDir + "/xdg-config", XDG_DATA_HOME: workDir + "/xdg-data",
        ...(spec.env ? spec.env(ctx) : {}) };
      const fields = [spec.binary, String(args.length), ...args, ...Object.entries(env).map(([k, v]) => `${k}=${v}`)];
      process.stdout.write(fields.map((f) => f + "\0").join(""));
    }).catch((err) => { console.error(`lab-proxy-entry: ${product}: preparing the launch failed: ${err.message}`); process.exit(1); });
    }
  ' -- "$@"
}

config_name="$(spec name "$product")"
[[ "$config_name" =~ ^[A-Za-z0-9._-]+$ ]] || die "the $product spec gave an odd config file name '$config_name'"
work_dir="$(mktemp -d "/tmp/pushthrough-$product-XXXXXX")"
config="$work_dir/$config_name"

# {{NAME}} placeholders, with optional inner spaces as the TypeScript renderer
# (src/proxy/real/template.ts) allows. Values are validated above; WORK_DIR is
# from mktemp ([A-Za-z0-9/_.-]) so '#' is a safe sed delimiter.
sed -E \
  -e "s#\\{\\{ *LISTEN_PORT *\\}\\}#$listen_port#g" \
  -e "s#\\{\\{ *ORIGIN_HOST *\\}\\}#$origin_host#g" \
  -e "s#\\{\\{ *ORIGIN_PORT *\\}\\}#$origin_port#g" \
  -e "s#\\{\\{ *WORK_DIR *\\}\\}#$work_dir#g" \
  "$template" >"$config"
if leftover="$(grep -oE '\{\{ *[A-Za-z0-9_]+ *\}\}' "$config" | sort -u | tr '\n' ' ')" && [[ -n "$leftover" ]]; then
  die "template $template has unknown placeholder(s): $leftover (expected only {{LISTEN_PORT}} {{ORIGIN_HOST}} {{ORIGIN_PORT}} {{WORK_DIR}})"
fi

fields=()
while IFS= read -r -d '' field; do fields+=("$field"); done < <(spec launch "$product" "$work_dir" "$config" "$listen_port" "$origin_host" "$origin_port")
((${#fields[@]} >= 2)) || die "could not get the launch command of $product from its spec"
binary="${fields[0]}"
nargs="${fields[1]}"
args=("${fields[@]:2:nargs}")
env_entries=("${fields[@]:2+nargs}")
[[ -x "$binary" ]] || die "$binary is not installed in this image"

# Like the native launcher: as root, run the proxy as nobody so it cannot
# write outside WORK_DIR and programs that refuse root (squid, h2o, tinyproxy)
# behave as for an ordinary user.
cd "$work_dir"
printf 'lab-proxy-entry: %s on 127.0.0.1:%s -> %s:%s (%s)\n' "$product" "$listen_port" "$origin_host" "$origin_port" "$template" >&2
if [[ "$(id -u)" == 0 ]]; then
  chown -R nobody:nogroup "$work_dir"
  exec env -i "${env_entries[@]}" setpriv --reuid=nobody --regid=nogroup --clear-groups -- "$binary" "${args[@]}"
fi
exec env -i "${env_entries[@]}" "$binary" "${args[@]}"
