#!/usr/bin/env bash
# Sets up a fresh Debian 12 machine (as root) for meshbook: the Docker engine and debootstrap (the
# test hosts and the lab are built from Debian packages, no registry), the tools that build the
# lab's stand-ins (openssl, gnupg, dpkg-dev), the real `openstack` client, pnpm, the dependencies and a build. Every step
# checks first, so running it again is cheap.
set -euo pipefail
cd "$(dirname "$0")/.."

say() { printf '\n=== %s (at %ss)\n' "$*" "$SECONDS"; }

command -v node >/dev/null || { echo "node (>= 20) is required and missing" >&2; exit 1; }
[ "$(node -p 'process.versions.node.split(".")[0]')" -ge 20 ] || { echo "node >= 20 is required, found $(node --version)" >&2; exit 1; }

missing_packages=()
command -v dockerd >/dev/null || missing_packages+=(docker.io)
command -v debootstrap >/dev/null || missing_packages+=(debootstrap)
command -v unzip >/dev/null || missing_packages+=(unzip)
# The lab's stand-ins are built on this machine: the lab CA (openssl), the apt repositories'
# signing keys and signatures (gnupg), the .debs (dpkg-deb; dpkg-dev brings it with its tools).
command -v openssl >/dev/null || missing_packages+=(openssl)
command -v gpg >/dev/null || missing_packages+=(gnupg)
command -v dpkg-deb >/dev/null || missing_packages+=(dpkg-dev)
# ssh2's native crypto binding is compiled at install (node-gyp); without a compiler ssh2 falls back
# to its slower JS path, and the test that proves the binding is used would fail.
{ command -v g++ >/dev/null && command -v make >/dev/null; } || missing_packages+=(build-essential)
command -v python3 >/dev/null || missing_packages+=(python3)
# The judge of the lab's OpenStack double (Keystone + Neutron ports): Debian's real client.
command -v openstack >/dev/null || missing_packages+=(python3-openstackclient)
if [ ${#missing_packages[@]} -gt 0 ]; then
  say "installing ${missing_packages[*]} from Debian's packages"
  apt-get update # a new machine's package lists are empty or stale
  DEBIAN_FRONTEND=noninteractive apt-get install -y "${missing_packages[@]}"
fi

if ! command -v pnpm >/dev/null; then
  say "installing pnpm"
  # corepack cannot verify the registry's signatures on these machines; npm can install pnpm
  npm i -g pnpm@10
fi

# The hosts need /dev/net/tun (wireguard-go); a minimal machine may not have the node.
if [ ! -e /dev/net/tun ]; then
  mkdir -p /dev/net && mknod /dev/net/tun c 10 200 && chmod 666 /dev/net/tun
fi

# Every systemd host takes inotify instances; the kernel's default of 128 per user stalls the
# 25th or so at boot ("Too many open files"). Raise it where it is lower (best effort: a
# container without /proc/sys write access keeps its limit).
if [ "$(cat /proc/sys/fs/inotify/max_user_instances 2>/dev/null || echo 1024)" -lt 1024 ]; then
  { echo 1024 > /proc/sys/fs/inotify/max_user_instances; } 2>/dev/null || echo "note: could not raise fs.inotify.max_user_instances; many hosts at once may stall at boot" >&2
fi

if ! docker info >/dev/null 2>&1; then
  say "starting dockerd"
  # no systemd on the machine itself: run the daemon in the background
  nohup dockerd >/var/log/dockerd.log 2>&1 &
  for _ in $(seq 60); do
    docker info >/dev/null 2>&1 && break
    sleep 1
  done
  docker info >/dev/null 2>&1 || { echo "dockerd did not come up in 60 s:" >&2; tail -50 /var/log/dockerd.log >&2; exit 1; }
fi

say "pnpm install and build"
if [ "${CI:-}" = "true" ]; then pnpm install --frozen-lockfile; else pnpm install; fi
pnpm build
