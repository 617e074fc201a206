#!/usr/bin/env bash
# Stages what the lab image needs into docker/.build/ (gitignored), so the
# image build itself needs neither an image registry nor the npm registry:
#
#   docker/.build/node   this host's Node.js binary (>= 20; bookworm has 18).
#                        It only needs glibc and libstdc++, which every
#                        bookworm base image has.
#   docker/.build/app/   package.json, dist/ (built here with `npm run build`),
#                        production node_modules (`npm ci --omit=dev`, with
#                        this host's npm config, cache and CA settings),
#                        proxies/ and schema/.
#
# Idempotent: node is re-copied only when it changed, node_modules is
# reinstalled only when package-lock.json changed.
#
# Usage: scripts/lab-stage.sh          (LAB_SKIP_BUILD=1 to reuse dist/ as is)
set -euo pipefail

repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
out="$repo/docker/.build"
app="$out/app"

log() { printf 'lab-stage: %s\n' "$*" >&2; }
die() { printf 'lab-stage: FAILED: %s\n' "$*" >&2; exit 1; }

node_bin="$(command -v node || true)"
[[ -n "$node_bin" ]] || die "node not found on PATH (install Node.js >= 20)"
node_bin="$(readlink -f "$node_bin")"
major="$("$node_bin" -p 'process.versions.node.split(".")[0]')"
((major >= 20)) || die "host node is $("$node_bin" --version); the lab needs Node.js >= 20"
command -v npm >/dev/null || die "npm not found on PATH"

mkdir -p "$out" "$app"
if ! cmp -s "$node_bin" "$out/node"; then
  cp "$node_bin" "$out/node.tmp" && mv "$out/node.tmp" "$out/node"
fi

cd "$repo"
if [[ "${LAB_SKIP_BUILD:-0}" != 1 ]]; then
  npm run --silent build >"$out/build.log" 2>&1 || { tail -n 30 "$out/build.log" >&2; die "npm run build failed (see above)"; }
fi
[[ -d dist ]] || die "dist/ is missing: run npm run build"
[[ -f dist/cli/main.js ]] || log "warning: dist/cli/main.js is missing (no CLI yet): only the proxy services can run"

# Production dependencies, installed once per lockfile.
lock_sum="$(sha256sum package-lock.json | cut -d' ' -f1)"
if [[ "$(cat "$app/.lock-sha256" 2>/dev/null || true)" != "$lock_sum" || ! -d "$app/node_modules" ]]; then
  rm -rf "$app/node_modules" "$app/.lock-sha256"
  cp package.json package-lock.json "$app/"
  (cd "$app" && npm ci --omit=dev --ignore-scripts --no-audit --no-fund --prefer-offline --loglevel=error) \
    || die "npm ci --omit=dev failed in ${app#"$repo"/}"
  printf '%s\n' "$lock_sum" >"$app/.lock-sha256"
fi
cp package.json package-lock.json "$app/"

# dist, proxies and schema are small: mirror them whole every time so nothing
# stale (a deleted template) survives. schema/ may not exist yet.
for dir in dist proxies schema; do
  rm -rf "${app:?}/$dir"
  if [[ -d "$dir" ]]; then cp -a "$dir" "$app/$dir"; else mkdir -p "$app/$dir"; fi
done
log "node $("$out/node" --version), dist, production node_modules, proxies/ staged in ${out#"$repo"/}"
