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
# config file name, foreground argv (bash array), extra environment.
case "$product" in
  nginx)
    config_name=nginx.conf
    set_args() { args=(/usr/sbin/nginx -p "$work_dir" -c "$config" -g "daemon off; pid $work_dir/nginx.pid;"); }
    ;;
  haproxy)
    config_name=haproxy.cfg
    set_args() { args=(/usr/sbin/haproxy -db -f "$config"); }
    ;;
  apache2)
    config_name=apache2.conf
    set_args() { args=(/usr/sbin/apache2 -D FOREGROUND -d "$work_dir" -f "$config"); }
    ;;
  caddy)
    config_name=Caddyfile
    set_args() { args=(/usr/bin/caddy run --adapter caddyfile --config "$config"); }
    export XDG_DATA_HOME="$work_dir/xdg-data" XDG_CONFIG_HOME="$work_dir/xdg-config"
    ;;
  squid)
    config_name=squid.conf
    set_args() { args=(/usr/sbin/squid -N -f "$config"); }
    ;;
  # The products below have no spec in src/proxy/real/products/ yet: these are
  # each program's documented foreground flags; align them with the spec when
  # it lands (or switch the lab to `pushthrough proxy`, which uses the spec).
  varnish)
    config_name=default.vcl
    # -F foreground, -a listen, -n private state dir (varnishd(1)); the VCL names the backend.
    set_args() { args=(/usr/sbin/varnishd -F -f "$config" -a "127.0.0.1:$listen_port" -n "$work_dir/varnish" -s malloc,64m); }
    ;;
  lighttpd)
    config_name=lighttpd.conf
    set_args() { args=(/usr/sbin/lighttpd -D -f "$config"); }
    ;;
  h2o)
    config_name=h2o.conf
    set_args() { args=(/usr/bin/h2o -c "$config"); }
    ;;
  tinyproxy)
    config_name=tinyproxy.conf
    set_args() { args=(/usr/bin/tinyproxy -d -c "$config"); }
    ;;
  trafficserver)
    die "trafficserver needs the launcher's prepared config directory: run it through 'pushthrough proxy' once that command exists"
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
