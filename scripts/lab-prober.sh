#!/usr/bin/env bash
# The lab prober's entry point: waits (with a deadline) until the origin and
# every proxy answer HTTP, then execs the probe command. Readiness is checked
# here, once, instead of with compose health checks, because a health check
# runs `docker exec` every interval in every container for the whole run,
# which on a 2-core machine would steal CPU from the timing the probes measure.
#
# A service that never answers is reported and the probe runs anyway: its
# setup then becomes an `error` cell with the reason, not a silent gap.
#
# Usage: lab-prober [--wait-s N] --ready URL [--ready URL ...] -- COMMAND [ARG...]
set -euo pipefail

die() { printf 'lab-prober: %s\n' "$*" >&2; exit 2; }

wait_s=120
urls=()
while (($#)); do
  case "$1" in
    --wait-s)
      [[ "${2:-}" =~ ^[0-9]+$ ]] || die "--wait-s needs a number of seconds, got '${2:-}'"
      wait_s="$2"; shift 2 ;;
    --ready)
      [[ "${2:-}" =~ ^https?:// ]] || die "--ready needs an http(s) URL, got '${2:-}'"
      urls+=("$2"); shift 2 ;;
    --) shift; break ;;
    *) die "unknown argument '$1' (expected --wait-s N, --ready URL, -- COMMAND...)" ;;
  esac
done
(($#)) || die "no command after --"

deadline=$((SECONDS + wait_s))
pending=("${urls[@]}")
while ((${#pending[@]})) && ((SECONDS < deadline)); do
  still=()
  for url in "${pending[@]}"; do
    # Any HTTP answer counts (a 502 still proves the proxy listens); only a
    # refused/timed-out connection means "not up yet".
    code="$(curl -sS -o /dev/null -w '%{http_code}' --max-time 3 "$url" 2>/dev/null || true)"
    [[ "$code" =~ ^[1-5][0-9][0-9]$ ]] || still+=("$url")
  done
  pending=("${still[@]+"${still[@]}"}")
  ((${#pending[@]})) && sleep 1
done
if ((${#pending[@]})); then
  printf 'lab-prober: not answering after %s s (probing anyway; these become error cells): %s\n' "$wait_s" "${pending[*]}" >&2
else
  printf 'lab-prober: all %s services answer after %s s\n' "${#urls[@]}" "$SECONDS" >&2
fi
exec "$@"
