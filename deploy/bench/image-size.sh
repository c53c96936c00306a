#!/usr/bin/env bash
# The driver image's size as a registry stores it and every node pulls it: builds the image's root file systems
# the way deploy/Dockerfile (and the end-to-end tier) makes them, packs each layer as an image carries it (tar,
# then gzip -6, as docker and registries compress layers) and prints the compressed and uncompressed bytes of each
# layer and their total. Layers: the base, /opt/spiffe-csi without its AOT cache, the AOT cache.
#
#   deploy/bench/image-size.sh [--no-build] [--base distroless|slim] [--image-dir DIR] [--debian ROOTFS]
#
#   --base distroless  (default) what deploy/driver/image/base-root.sh takes from Debian, as the Dockerfile does
#   --base slim        the Debian slim root itself with the user added (the image's base before base-root.sh)
#   --image-dir DIR    image-root.sh and jlink-modules from DIR instead of deploy/driver/image, e.g. an older
#                      revision's: git archive REV deploy/driver/image | tar -x -C /tmp/old
#                                  deploy/bench/image-size.sh --base slim --image-dir /tmp/old/deploy/driver/image
#   --debian ROOTFS    a debootstrap --variant=minbase root slimmed as Debian's -slim images (the end-to-end tier's
#                      DebianRootfs); default: the tier's cache ($SPIFFECSI_E2E_CACHE, /var/tmp/spiffe-csi-e2e)
#                      when it holds one, else made here with debootstrap (network, a few minutes)
# Needs root (chroot, and the files of the root file systems are root's).
set -euo pipefail
root=$(CDPATH='' cd -- "$(dirname -- "$0")/../.." && pwd)
cd "$root"
# shellcheck source=../../.mvn/jdk.sh
. .mvn/jdk.sh
[ "$(id -u)" = 0 ] || { echo "image-size.sh needs root (chroot)" >&2; exit 1; }
build=1 base=distroless image_dir=$root/deploy/driver/image
debian=${SPIFFECSI_E2E_CACHE:-/var/tmp/spiffe-csi-e2e}/debian-bookworm-minbase-slim
while [ $# -gt 0 ]; do
  case "$1" in
    --no-build) build=0 ;;
    --base) base=$2; shift ;;
    --image-dir) image_dir=$(CDPATH='' cd -- "$2" && pwd); shift ;;
    --debian) debian=$2; shift ;;
    *) echo "unknown option $1 (see the header of $0)" >&2; exit 2 ;;
  esac
  shift
done
case "$base" in distroless|slim) ;; *) echo "--base distroless or slim, not $base" >&2; exit 2 ;; esac
if [ "$build" = 1 ]; then
  echo "building the production and development distributions..." >&2
  ./mvnw -B -q -ntp -DskipTests package -pl deploy/driver,deploy/dev-distribution -am
fi
work=$(mktemp -d /tmp/spiffe-csi-image-size.XXXXXX)
trap 'rm -rf --one-file-system "$work"' EXIT

if [ ! -e "$debian/.spiffe-csi-e2e-complete" ]; then
  # as the end-to-end tier's DebianRootfs makes it
  echo "making a Debian bookworm root file system (debootstrap --variant=minbase)..." >&2
  debian=$work/debian
  debootstrap --variant=minbase bookworm "$debian" "${SPIFFECSI_E2E_DEBIAN_MIRROR:-http://deb.debian.org/debian}" >&2
  (cd "$debian" \
    && find usr/share/doc -mindepth 1 ! -type d ! -name copyright -delete \
    && find usr/share/doc -mindepth 1 -type d -empty -delete \
    && rm -rf usr/share/groff/* usr/share/info/* usr/share/linda/* usr/share/lintian/overrides/* \
              usr/share/locale/* usr/share/man/* var/lib/apt/lists/* var/cache/apt/*.bin \
              var/cache/apt/archives/*.deb)
fi
# the Dockerfile's Debian stage: the slim root and its user
cp -a "$debian" "$work/slim"
rm -f "$work/slim/.spiffe-csi-e2e-complete"
chroot "$work/slim" useradd --system --uid 65532 --user-group --no-create-home --home-dir /nonexistent \
  --shell /usr/sbin/nologin spiffe-csi
if [ "$base" = distroless ]; then
  deploy/driver/image/base-root.sh "$work/slim" "$work/base"
else
  mv "$work/slim" "$work/base"
fi
echo "assembling /opt/spiffe-csi with $image_dir/image-root.sh (jlink, native libraries, AOT cache training)..." >&2
{ "$image_dir/image-root.sh" assemble deploy/driver/target/dist "$work/opt/spiffe-csi" \
  && "$image_dir/image-root.sh" train-aot "$work/opt/spiffe-csi" deploy/dev-distribution/target/dist; } \
  >"$work/image-root.log" 2>&1 || { cat "$work/image-root.log" >&2; exit 1; }

# bytes of one layer: uncompressed (the tar) and compressed (gzip -6)
layer() {
  local name=$1 tarred gzipped
  shift
  tarred=$(tar --sort=name --numeric-owner "$@" -cf - | wc -c)
  gzipped=$(tar --sort=name --numeric-owner "$@" -cf - | gzip -6 | wc -c)
  printf '%-44s %10.1f %12.1f\n' "$name" "$(bc <<<"scale=1; $gzipped / 1048576")" \
    "$(bc <<<"scale=1; $tarred / 1048576")"
  total_gz=$((total_gz + gzipped)) total_tar=$((total_tar + tarred))
}
total_gz=0 total_tar=0
printf '%-44s %10s %12s\n' "layer (base: $base; image-root.sh: ${image_dir#"$root"/})" "gzip MiB" "tar MiB"
layer "base" -C "$work/base" .
layer "/opt/spiffe-csi without the AOT cache" -C "$work" --exclude=spiffe-csi-driver.aot opt
layer "the AOT cache" -C "$work" opt/spiffe-csi/spiffe-csi-driver.aot
printf '%-44s %10.1f %12.1f\n' "total" "$(bc <<<"scale=1; $total_gz / 1048576")" \
  "$(bc <<<"scale=1; $total_tar / 1048576")"
echo "/opt/spiffe-csi/runtime: $(du -sh "$work/opt/spiffe-csi/runtime" | cut -f1) on disk" \
  "($(sed -n 's/^MODULES="\(.*\)"/\1/p' "$work/opt/spiffe-csi/runtime/release"))"
