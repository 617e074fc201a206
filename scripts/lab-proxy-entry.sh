#!/usr/bin/env bash
# Container entry point for one real proxy of the lab: renders a pushthrough
# template (proxies/<product>/<variant>.conf.tmpl) and execs the proxy in the
# FOREGROUND as the container's main process, the same way the native launcher
# (src/proxy/real/launcher.ts + products/*.ts) runs it: private WORK_DIR,
# `nobody` when started as root, the product's own foreground flags.
#
# Usage: lab-proxy-entry PRODUCT TEMPLATE LISTEN_PORT ORIGIN_HOST ORIGIN_PORT
#   e.g. lab-proxy-entry nginx proxies/nginx/naive.conf.tmpl 47101 127.0.0.1 47100
#
# Kept until `pushthrough proxy --product P --template T --listen P --origin H:P`
# exists; then the compose services call that and reuse the launcher itself.
# Arguments are validated and passed as argv; nothing is eval'd.
set -euo pipefail

die() { printf 'lab-proxy-entry: %s\n' "$*" >&2; exit 2; }

(($# == 5)) || die "expected PRODUCT TEMPLATE LISTEN_PORT ORIGIN_HOST ORIGIN_PORT, got $# argument(s)"
product="$1" template="$2" listen_port="$3" origin_host="$4" origin_port="$5"

[[ "$product" =~ ^[a-z0-9]+$ ]] || die "PRODUCT must be a product name like nginx, got '$product'"
[[ -f "$template" ]] || die "TEMPLATE '$template' is not a file"
is_port() { [[ "$1" =~ ^[0-9]{1,5}$ ]] && (($1 >= 1 && $1 <= 65535)); }
is_port "$listen_port" || die "LISTEN_PORT must be 1-65535, got '$listen_port'"
is_port "$origin_port" || die "ORIGIN_PORT must be 1-65535, got '$origin_port'"
# Only host-name/IP characters: the value goes into sed's replacement and into
# the proxy's config, so nothing that could break either is let through.
[[ "$origin_host" =~ ^[A-Za-z0-9.:-]+$ ]] || die "ORIGIN_HOST must be a host name or IP address, got '$origin_host'"

work_dir="$(mktemp -d "/tmp/pushthrough-$product-XXXXXX")"

# --- per-product data, mirroring src/proxy/real/products/<product>.ts --------
# config file name, foreground argv (bash array), optional prepare step.
config_name="$product.conf"
prepare() { :; }
case "$product" in
  nginx)
    config_name=nginx.conf
    set_args() { args=(/usr/sbin/nginx -p "$work_dir" -c "$config" -g "daemon off; pid $work_dir/nginx.pid;"); }
    ;;
  *)
    die "PRODUCT '$product' is not one the lab knows (nginx haproxy apache2 caddy squid varnish lighttpd h2o trafficserver tinyproxy)"
    ;;
esac

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
  die "template $template has unknown placeholder(s): $leftover"
fi

prepare
set_args

# Like the native launcher: as root, run the proxy as nobody so it cannot
# write outside WORK_DIR and programs that refuse root (squid, h2o, tinyproxy)
# behave as for an ordinary user.
export HOME="$work_dir" TMPDIR="$work_dir"
cd "$work_dir"
printf 'lab-proxy-entry: %s on 127.0.0.1:%s -> %s:%s (%s)\n' "$product" "$listen_port" "$origin_host" "$origin_port" "$template" >&2
if [[ "$(id -u)" == 0 ]]; then
  chown -R nobody:nogroup "$work_dir"
  exec setpriv --reuid=nobody --regid=nogroup --clear-groups -- "${args[@]}"
fi
exec "${args[@]}"
