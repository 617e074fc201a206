#!/usr/bin/env bash
# Installs the real proxies pushthrough can run (Debian/Ubuntu packages), idempotently,
# and makes sure none of them is left running as a system service: pushthrough starts
# each one itself, in the foreground, with its own config (src/proxy/real/).
#
#   npm run lab:install            # as root (or with sudo), after npm install
#
# The package list, daemon names and pid files come from pushthrough's product
# registry (src/proxy/real/products, compiled to dist/): adding a product there
# adds it here.
# - `apt-get update` runs only when a package is missing.
# - While installing, /usr/sbin/policy-rc.d answers 101 ("action forbidden"), the Debian
#   mechanism that stops maintainer scripts from starting daemons (invoke-rc.d(8)).
# - Afterwards any daemon a postinst started anyway is stopped by PID (from its pid file,
#   or a `pgrep -x` match whose parent is init) — never through systemctl/service.
set -euo pipefail

repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
registry="$repo/dist/proxy/real/installed.js"
if [[ ! -f "$registry" ]]; then
  echo "lab-install: $registry is missing: run npm install (it builds dist/) first" >&2
  exit 2
fi
# The products pushthrough runs, from its registry (src/proxy/real/products):
# one line per product: package, then its daemon names, then its pid files.
mapfile -t rows < <(node -e '
  const { RUNNABLE_PRODUCTS } = require(process.argv[1].replace(/installed\.js$/, "products/index.js"));
  for (const p of RUNNABLE_PRODUCTS) console.log([p.launch.debianPackage, p.launch.daemons.join(","), p.launch.pidFiles.join(",")].join(" "));
' "$registry")
PACKAGES=()
DAEMONS=()
PIDFILES=()
for row in "${rows[@]}"; do
  read -r pkg daemons pidfiles <<<"$row"
  PACKAGES+=("$pkg")
  IFS=, read -r -a more <<<"${daemons:-}"; DAEMONS+=("${more[@]}")
  IFS=, read -r -a more <<<"${pidfiles:-}"; PIDFILES+=("${more[@]}")
done
((${#PACKAGES[@]})) || { echo "lab-install: the product registry lists no runnable product" >&2; exit 1; }

if [[ $(id -u) -ne 0 ]]; then
  echo "lab-install: run as root (sudo npm run lab:install): apt-get needs it" >&2
  exit 2
fi
if ! command -v apt-get >/dev/null; then
  echo "lab-install: apt-get not found; install these packages with your package manager: ${PACKAGES[*]}" >&2
  exit 2
fi

missing=()
for pkg in "${PACKAGES[@]}"; do
  if [[ $(dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null || true) != "install ok installed" ]]; then
    missing+=("$pkg")
  fi
done

if ((${#missing[@]} > 0)); then
  echo "lab-install: installing ${missing[*]}"
  created_policy=0
  if [[ ! -e /usr/sbin/policy-rc.d ]]; then
    printf '#!/bin/sh\n# written by pushthrough lab-install: keep postinst from starting daemons\nexit 101\n' >/usr/sbin/policy-rc.d
    chmod 755 /usr/sbin/policy-rc.d
    created_policy=1
  fi
  remove_policy() { if ((created_policy)); then rm -f /usr/sbin/policy-rc.d; fi; }
  trap remove_policy EXIT
  apt-get update
  DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends "${missing[@]}"
else
  echo "lab-install: all proxy packages already installed (${PACKAGES[*]})"
fi

# Stop whatever a postinst started. Only daemons: pid-file owners, or processes with the
# daemon's exact name whose parent is init (PID 1) and that are not pushthrough's own
# (those run with a config under a pushthrough-* temp dir and are stopped by pushthrough).
stop_pid() {
  local pid=$1
  [[ $pid =~ ^[0-9]+$ ]] || return 0
  kill -0 "$pid" 2>/dev/null || return 0
  grep -qa 'pushthrough-' "/proc/$pid/cmdline" 2>/dev/null && return 0
  echo "lab-install: stopping $(tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null | cut -c1-80) (pid $pid)"
  kill -TERM "$pid" 2>/dev/null || true
  for _ in $(seq 1 50); do
    kill -0 "$pid" 2>/dev/null || return 0
    sleep 0.1
  done
  kill -KILL "$pid" 2>/dev/null || true
}

for file in "${PIDFILES[@]}"; do
  [[ -f $file ]] && stop_pid "$(head -n1 "$file" | tr -dc '0-9')"
done
for name in "${DAEMONS[@]}"; do
  for pid in $(pgrep -x "$name" || true); do
    [[ $(ps -o ppid= -p "$pid" 2>/dev/null | tr -d ' ') == 1 ]] && stop_pid "$pid"
  done
done

for pkg in "${PACKAGES[@]}"; do
  dpkg-query -W -f='${Package} ${Version}\n' "$pkg"
done
