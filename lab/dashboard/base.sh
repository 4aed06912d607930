#!/usr/bin/env bash
# Builds the dashboard's base image: a minimal debootstrapped Debian sid rootfs with Debian's
# nodejs and nothing else, without any registry (the way lab/image/build.sh builds the lab's).
#   base.sh          build unless synapse-fleet-node:<recipe hash> exists; tag :latest
#   base.sh --tag    print the image reference for the current recipe and exit
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
REPO=synapse-fleet-node
MIRROR=${LAB_DEBIAN_MIRROR:-http://deb.debian.org/debian}
# nodejs brings libnode and the libraries it links; ca-certificates for TLS to PostgreSQL,
# Prometheus or a TLS engine; nothing runs a package manager at run time.
PACKAGES="nodejs ca-certificates"
HASH="$( (cat "$HERE/base.sh"; echo "$MIRROR") | sha256sum | cut -c1-12)"
IMAGE="$REPO:$HASH"

if [[ "${1:-}" == "--tag" ]]; then echo "$IMAGE"; exit 0; fi

if docker image inspect "$IMAGE" >/dev/null 2>&1; then
  docker tag "$IMAGE" "$REPO:latest"
  echo "image $IMAGE exists (cached)"
  exit 0
fi

[[ $(id -u) == 0 ]] || { echo "building the base image needs root (debootstrap/chroot)" >&2; exit 1; }

WORK="$(mktemp -d /var/tmp/fleet-node-image.XXXXXX)"
ROOTFS="$WORK/rootfs"
cleanup() {
  # never rm -rf while /proc is mounted inside the rootfs
  if mountpoint -q "$ROOTFS/proc" 2>/dev/null; then umount -l "$ROOTFS/proc" || true; fi
  if mountpoint -q "$ROOTFS/proc" 2>/dev/null; then
    echo "WARNING: $ROOTFS/proc still mounted; leaving $WORK" >&2
  else
    rm -rf --one-file-system "$WORK"
  fi
}
trap cleanup EXIT

start=$(date +%s)
echo "[node-base] debootstrap sid (minbase) into $ROOTFS"
debootstrap --variant=minbase sid "$ROOTFS" "$MIRROR" >"$WORK/debootstrap.log" 2>&1 \
  || { tail -n 30 "$WORK/debootstrap.log" >&2; exit 1; }

printf '#!/bin/sh\nexit 101\n' >"$ROOTFS/usr/sbin/policy-rc.d"
chmod 755 "$ROOTFS/usr/sbin/policy-rc.d"
cp -L /etc/resolv.conf "$ROOTFS/etc/resolv.conf"
# the reachable sid archive is a frozen snapshot whose Release has expired
cat >"$ROOTFS/etc/apt/apt.conf.d/99fleet" <<'APT'
Acquire::Check-Valid-Until "false";
APT::Install-Recommends "false";
APT::Install-Suggests "false";
APT
cat >"$ROOTFS/etc/dpkg/dpkg.cfg.d/99fleet-nodoc" <<'DPKG'
path-exclude=/usr/share/doc/*
path-exclude=/usr/share/man/*
path-exclude=/usr/share/info/*
path-exclude=/usr/share/locale/*
DPKG
mount -t proc proc "$ROOTFS/proc"

echo "[node-base] apt-get install $PACKAGES"
chroot "$ROOTFS" env DEBIAN_FRONTEND=noninteractive LC_ALL=C apt-get update -qq
# shellcheck disable=SC2086
chroot "$ROOTFS" env DEBIAN_FRONTEND=noninteractive LC_ALL=C \
  apt-get install -y -qq --no-install-recommends $PACKAGES >"$WORK/apt.log" 2>&1 \
  || { tail -n 40 "$WORK/apt.log" >&2; exit 1; }
NODE_VERSION="$(chroot "$ROOTFS" node --version)"
chroot "$ROOTFS" apt-get clean
# The dashboard's user, a fixed uid/gid owning only /data (the engine socket's group is added at
# run time with --group-add: that number differs from host to host).
chroot "$ROOTFS" groupadd --gid 10001 fleet
chroot "$ROOTFS" useradd --uid 10001 --gid fleet --no-create-home --home-dir /data --shell /usr/sbin/nologin fleet
install -d -o 10001 -g 10001 -m 0700 "$ROOTFS/data"
# A run-time image: the package manager and the tools nothing in it runs go (about 45 MB; node
# needs only libc, libstdc++, ICU, OpenSSL and its own libraries). dpkg keeps its record, so
# `dpkg -l` still tells what is inside. perl last: other packages' removal scripts may use it.
purge() { chroot "$ROOTFS" env DEBIAN_FRONTEND=noninteractive dpkg --purge --force-remove-essential --force-depends "$@" >>"$WORK/purge.log" 2>&1 \
  || { tail -n 20 "$WORK/purge.log" >&2; exit 1; }; }
# shellcheck disable=SC2046
purge $(chroot "$ROOTFS" dpkg-query -W -f '${Package}\n' | grep -E '^(apt|libapt-pkg[0-9.]*|sqv|libc-gconv-modules-extra|passwd|util-linux|libsemanage[0-9]*|libsemanage-common)$')
# dpkg looks for diff and find before it acts: they go with the last call.
purge debconf perl-base diffutils findutils
umount "$ROOTFS/proc"
# A run-time image: no package lists, docs, locales, logs or node's bundled package managers.
rm -rf "$ROOTFS"/usr/share/doc/* "$ROOTFS"/usr/share/man/* "$ROOTFS"/usr/share/info/* \
       "$ROOTFS"/usr/share/locale/* "$ROOTFS"/var/lib/apt/lists/* "$ROOTFS"/var/cache/apt/* \
       "$ROOTFS"/var/cache/debconf/*-old "$ROOTFS"/var/log/*.log "$ROOTFS"/var/log/apt \
       "$ROOTFS"/tmp/* "$ROOTFS"/usr/share/nodejs/corepack "$ROOTFS"/usr/lib/node_modules/corepack \
       "$ROOTFS"/usr/share/nodejs/@types
: >"$ROOTFS/etc/resolv.conf"

echo "[node-base] docker import $IMAGE (node $NODE_VERSION)"
tar --numeric-owner -C "$ROOTFS" -c . | docker import \
  -c "ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin" -c "ENV LANG=C.UTF-8" \
  -c "LABEL io.synapse-fleet.node-recipe=$HASH" -c "LABEL io.synapse-fleet.node-version=$NODE_VERSION" \
  -m "synapse-fleet dashboard base: Debian sid minbase + nodejs $NODE_VERSION (recipe $HASH)" - "$IMAGE" >/dev/null
docker tag "$IMAGE" "$REPO:latest"
echo "[node-base] built $IMAGE in $(( $(date +%s) - start ))s, $(docker image inspect -f '{{.Size}}' "$IMAGE" | awk '{printf "%d MB", $1/1000000}')"
