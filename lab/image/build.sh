#!/usr/bin/env bash
# Builds the single lab image (every role: synapse, postgres, redis, prometheus)
# from a debootstrapped Debian sid rootfs, without any registry.
#   build.sh          build unless synapse-fleet-lab:<recipe hash> exists; tag :latest
#   build.sh --tag    print the image reference for the current recipe and exit
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
REPO=synapse-fleet-lab
MIRROR=${LAB_DEBIAN_MIRROR:-http://deb.debian.org/debian}
# The recipe = this script + the package list. Any change gives a new tag.
HASH="$(cat "$HERE/build.sh" "$HERE/packages.txt" | sha256sum | cut -c1-12)"
IMAGE="$REPO:$HASH"

if [[ "${1:-}" == "--tag" ]]; then echo "$IMAGE"; exit 0; fi

if docker image inspect "$IMAGE" >/dev/null 2>&1; then
  docker tag "$IMAGE" "$REPO:latest"
  echo "image $IMAGE exists (cached)"
  exit 0
fi

[[ $(id -u) == 0 ]] || { echo "building the image needs root (debootstrap/chroot)" >&2; exit 1; }

WORK="$(mktemp -d /var/tmp/fleetlab-image.XXXXXX)"
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
echo "[image] debootstrap sid into $ROOTFS"
debootstrap --variant=minbase sid "$ROOTFS" "$MIRROR" >"$WORK/debootstrap.log" 2>&1 \
  || { tail -n 30 "$WORK/debootstrap.log" >&2; exit 1; }

# no service starts from postinst scripts
printf '#!/bin/sh\nexit 101\n' >"$ROOTFS/usr/sbin/policy-rc.d"
chmod 755 "$ROOTFS/usr/sbin/policy-rc.d"
cp -L /etc/resolv.conf "$ROOTFS/etc/resolv.conf"
# the reachable sid archive is a frozen snapshot whose Release has expired
cat >"$ROOTFS/etc/apt/apt.conf.d/99fleetlab" <<'APT'
Acquire::Check-Valid-Until "false";
APT::Install-Recommends "false";
APT::Install-Suggests "false";
APT
cat >"$ROOTFS/etc/dpkg/dpkg.cfg.d/99fleetlab-nodoc" <<'DPKG'
path-exclude=/usr/share/doc/*
path-exclude=/usr/share/man/*
path-exclude=/usr/share/info/*
path-exclude=/usr/share/locale/*
DPKG
mount -t proc proc "$ROOTFS/proc"

echo "[image] apt-get install $(tr '\n' ' ' <"$HERE/packages.txt")"
chroot "$ROOTFS" env DEBIAN_FRONTEND=noninteractive LC_ALL=C apt-get update -qq
# shellcheck disable=SC2046
chroot "$ROOTFS" env DEBIAN_FRONTEND=noninteractive LC_ALL=C \
  apt-get install -y -qq --no-install-recommends $(grep -v '^#' "$HERE/packages.txt") \
  >"$WORK/apt.log" 2>&1 || { tail -n 40 "$WORK/apt.log" >&2; exit 1; }

PGVER="$(ls "$ROOTFS/usr/lib/postgresql" | sort -n | tail -n1)"
echo "[image] postgresql $PGVER; dropping the packaged cluster and trimming"
chroot "$ROOTFS" pg_dropcluster "$PGVER" main >/dev/null 2>&1 || true
rm -rf "$ROOTFS/etc/postgresql/$PGVER/main" "$ROOTFS/var/lib/postgresql/$PGVER/main"
chroot "$ROOTFS" apt-get clean
umount "$ROOTFS/proc"
rm -rf "$ROOTFS"/usr/share/doc/* "$ROOTFS"/usr/share/man/* "$ROOTFS"/usr/share/info/* \
       "$ROOTFS"/usr/share/locale/* "$ROOTFS"/var/lib/apt/lists/* "$ROOTFS"/var/cache/apt/*.bin \
       "$ROOTFS"/var/cache/debconf/*-old "$ROOTFS"/var/log/*.log "$ROOTFS"/tmp/* \
       "$ROOTFS/usr/bin/promtool"
: >"$ROOTFS/etc/resolv.conf"

PATHV="/usr/lib/postgresql/$PGVER/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"
echo "[image] docker import $IMAGE"
tar --numeric-owner -C "$ROOTFS" -c . | docker import \
  -c "ENV PATH=$PATHV" -c "ENV LANG=C.UTF-8" \
  -c "LABEL io.synapse-fleet.lab.recipe=$HASH" \
  -m "synapse-fleet lab image (recipe $HASH)" - "$IMAGE" >/dev/null
docker tag "$IMAGE" "$REPO:latest"
echo "[image] built $IMAGE in $(( $(date +%s) - start ))s, $(docker image inspect -f '{{.Size}}' "$IMAGE" | awk '{printf "%d MB", $1/1000000}')"
