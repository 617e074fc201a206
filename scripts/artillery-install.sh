#!/usr/bin/env bash
# Installs Artillery where pushthrough's tests of `pushthrough load --export
# artillery` find it (.tools/artillery, outside the package's own
# dependencies: Artillery brings cloud SDKs and a browser engine that users
# of pushthrough do not need).
#
#   npm run artillery:install
#
# - 2.0.21 is the last Artillery that runs on Node 20 (2.0.22 and later ask
#   for Node 22: `npm view artillery@2.0.22 engines`).
# - PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD: Artillery's Playwright engine would
#   download a browser at install time; its load tests use no browser.
set -euo pipefail
repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
dir="$repo/.tools/artillery"
version=2.0.21
if [[ -x "$dir/node_modules/.bin/artillery" ]] && [[ "$(node -p "require('$dir/node_modules/artillery/package.json').version" 2>/dev/null)" == "$version" ]]; then
  echo "artillery-install: Artillery $version is already in $dir"
  exit 0
fi
mkdir -p "$dir"
PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 npm install --prefix "$dir" --no-save --no-audit --no-fund --loglevel=error "artillery@$version"
echo "artillery-install: Artillery $version installed in $dir"
