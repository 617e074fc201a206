#!/usr/bin/env bash
# Builds the lab's base image `local/debian:bookworm` without any image
# registry: debootstrap a minimal Debian bookworm from a Debian mirror, then
# `docker import` the tree. Idempotent: does nothing when the image exists.
#
# Usage: scripts/lab-base-image.sh [IMAGE]        (default local/debian:bookworm)
# Env:   LAB_DEBIAN_MIRROR  mirror URL (default: the first deb.debian.org-style
#                           URI found in /etc/apt/sources.list*, else
#                           http://deb.debian.org/debian)
#        LAB_DEBIAN_SECURITY_MIRROR  likewise for debian-security
#        LAB_REBUILD_BASE=1 rebuild even when the image exists
#
# Needs: root, debootstrap, a running Docker engine.
set -euo pipefail

image="${1:-local/debian:bookworm}"
suite=bookworm

log() { printf 'lab-base-image: %s\n' "$*" >&2; }
die() { printf 'lab-base-image: FAILED: %s\n' "$*" >&2; exit 1; }

if [[ "${LAB_REBUILD_BASE:-0}" != 1 ]] && docker image inspect "$image" >/dev/null 2>&1; then
  log "$image already exists (LAB_REBUILD_BASE=1 to rebuild)"
  exit 0
fi

command -v debootstrap >/dev/null || die "debootstrap not found (apt-get install -y debootstrap)"
[[ "$(id -u)" == 0 ]] || die "debootstrap needs root"

# The mirror this machine already uses for its own packages, so the image's
# proxies come from the same archive as the native ones. deb822 files carry
# `URIs:`, one-line files carry `deb URL suite ...`.
# $1 = the path suffix to look for: /debian (main archive) or /debian-security.
find_mirror() {
  local suffix="$1" files=() f
  for f in /etc/apt/sources.list /etc/apt/sources.list.d/*.sources /etc/apt/sources.list.d/*.list; do
    [[ -f "$f" ]] && files+=("$f")
  done
  ((${#files[@]})) || return 0
  # exactly that archive: not third-party repositories
  sed -n -E "s#^URIs:[[:space:]]+([^[:space:]]+${suffix}/?)\$#\\1#p; s#^deb[[:space:]]+(\\[[^]]*\\][[:space:]]+)?([^[:space:]]+${suffix}/?)[[:space:]].*#\\2#p" \
    "${files[@]}" 2>/dev/null | head -n 1
}
mirror="${LAB_DEBIAN_MIRROR:-$(find_mirror /debian)}"
mirror="${mirror:-http://deb.debian.org/debian}"
mirror="${mirror%/}"
security_mirror="${LAB_DEBIAN_SECURITY_MIRROR:-$(find_mirror /debian-security)}"
security_mirror="${security_mirror:-http://deb.debian.org/debian-security}"
security_mirror="${security_mirror%/}"

rootfs="$(mktemp -d "${TMPDIR:-/tmp}/lab-rootfs.XXXXXX")"
cleanup() { rm -rf --one-file-system "$rootfs"; }
trap cleanup EXIT

log "debootstrap --variant=minbase $suite from $mirror (about 30-60 s)"
started=$SECONDS
if ! debootstrap --variant=minbase "$suite" "$rootfs" "$mirror" >"$rootfs.log" 2>&1; then
  tail -n 20 "$rootfs.log" >&2
  rm -f "$rootfs.log"
  die "debootstrap $suite from $mirror failed (set LAB_DEBIAN_MIRROR to a reachable Debian mirror)"
fi
rm -f "$rootfs.log"
log "debootstrap took $((SECONDS - started)) s"

# The same suites a stock bookworm system (and debian:bookworm-slim) has:
# point releases and security fixes, so `apt-get install nginx` in the image
# resolves to the version this host has installed, not the 12.0 one.
rm -f "$rootfs/etc/apt/sources.list"
cat >"$rootfs/etc/apt/sources.list.d/debian.sources" <<EOF
Types: deb
URIs: $mirror
Suites: $suite $suite-updates
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg

Types: deb
URIs: $security_mirror
Suites: $suite-security
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
EOF
# Keep the image small and its layers reproducible.
rm -rf "$rootfs"/var/lib/apt/lists/* "$rootfs"/var/cache/apt/archives/*.deb "$rootfs"/var/log/*.log

started=$SECONDS
tar -C "$rootfs" --numeric-owner -c . | docker import \
  --change 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
  --change 'CMD ["bash"]' \
  - "$image" >/dev/null || die "docker import into $image failed"
log "imported $image in $((SECONDS - started)) s"
