#!/usr/bin/env bash
# Sets up a fresh Debian machine (as root) for meshbook: the Docker engine and debootstrap (the test
# hosts and the lab are built from Debian packages, no registry), pnpm, dependencies, and a build.
# Safe to run again: every step checks first.
set -euo pipefail
cd "$(dirname "$0")/.."

log() { printf '\n== %s\n' "$*"; }

need_apt=()
command -v dockerd >/dev/null 2>&1 || need_apt+=(docker.io)
command -v debootstrap >/dev/null 2>&1 || need_apt+=(debootstrap)
if [ "${#need_apt[@]}" -gt 0 ]; then
  log "installing ${need_apt[*]} from Debian's packages"
  apt-get update -q
  DEBIAN_FRONTEND=noninteractive apt-get install -y -q "${need_apt[@]}"
fi

if ! docker info >/dev/null 2>&1; then
  # No systemd on the machine itself: start the daemon binary and wait for it.
  log "starting dockerd"
  nohup dockerd >/var/log/meshbook-dockerd.log 2>&1 &
  for _ in $(seq 1 60); do docker info >/dev/null 2>&1 && break; sleep 1; done
  docker info >/dev/null 2>&1 || { echo "dockerd did not start; see /var/log/meshbook-dockerd.log" >&2; exit 1; }
fi

if ! command -v pnpm >/dev/null 2>&1; then
  # corepack cannot verify the registry's signatures here; npm installs pnpm fine.
  log "installing pnpm"
  npm install -g pnpm@10 >/dev/null
fi

log "installing dependencies and building"
if [ "${CI:-}" = "true" ]; then pnpm install --frozen-lockfile; else pnpm install; fi
pnpm build
