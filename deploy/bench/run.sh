#!/usr/bin/env bash
# The benchmarks in one command: builds what they need, then measures the production driver twice with the standard
# scenarios (bench-suite: start-up to ready; idle memory; 3 storms of 200 held volumes, 8 in flight, with a
# kubelet-restart replay; 1,000 volumes one call at a time; the same with 10,000 unrelated mounts):
#   1. "image":    started the way the image starts it: the image's /opt/spiffe-csi (jlinked runtime, native libraries,
#                  AOT cache), made by deploy/driver/image/image-root.sh as deploy/Dockerfile makes it
#   2. "launcher": the production distribution's launcher with its defaults, on the newest JDK >= 21 found
# As root it re-runs itself inside a private mount namespace and measures with the bindmount backend (real mounts
# that vanish with the namespace); otherwise with symlink-dev and without the 10,000-mount phase.
#
#   deploy/bench/run.sh [--no-build] [--only image|launcher] [--state-on-disk] [--dist DIR]
#                       [--image-java-opts OPTS] [bench-suite flags...]
#
#   --dist DIR             measure another production distribution (e.g. an older build); the load client is
#                          always this tree's (the same neutral client for every driver measured)
#   --image-java-opts OPTS for a distribution whose launcher predates image-root.sh: the JVM options its image set
#                          (SPIFFE_CSI_JAVA_OPTS), used for the "image" run; the AOT cache is passed with JAVA_OPTS
#
# e.g. deploy/bench/run.sh -rounds 1 -sequential-volumes 200 -startup-runs 2   (a quick look)
set -euo pipefail
root=$(CDPATH='' cd -- "$(dirname -- "$0")/../.." && pwd)
# shellcheck source=../../.mvn/private-mount-namespace.sh
. "$root/.mvn/private-mount-namespace.sh"
rerun_in_private_mount_namespace "$@" || true
cd "$root"
# shellcheck source=../../.mvn/jdk.sh
. .mvn/jdk.sh
build=1 only="" suite=() dist="" image_opts=""
while [ $# -gt 0 ]; do
  case "$1" in
    --no-build) build=0 ;;
    --only) only=$2; shift ;;
    --state-on-disk) suite+=(-state-on-disk) ;;
    --dist) dist=$(CDPATH='' cd -- "$2" && pwd); shift ;;
    --image-java-opts) image_opts=$2; shift ;;
    *) suite+=("$1") ;;
  esac
  shift
done
if [ "$build" = 1 ]; then
  echo "building the production and development distributions..." >&2
  ./mvnw -B -q -ntp -DskipTests package -pl deploy/driver,deploy/dev-distribution -am
fi
dist=${dist:-$root/deploy/driver/target/dist}
devkit=$root/deploy/dev-distribution/target/dist
work=$(mktemp -d /tmp/spiffe-csi-bench.XXXXXX)
trap 'rm -rf "$work"' EXIT
[ "$(id -u)" = 0 ] || suite+=(-background-mounts 0)

report=$work/report.txt
if [ -z "$only" ] || [ "$only" = image ]; then
  echo "assembling the image's /opt/spiffe-csi in $work/opt (jlink, native libraries, AOT cache training)..." >&2
  deploy/driver/image/image-root.sh assemble "$dist" "$work/opt/spiffe-csi"
  opt=$work/opt/spiffe-csi
  image_env=(env -u JAVA_HOME -u SPIFFE_CSI_JAVA_OPTS -u JAVA_OPTS)
  if [ -n "$image_opts" ]; then
    # an older launcher: the image's options, with its native libraries, and the cache passed by hand
    image_env+=("SPIFFE_CSI_JAVA_OPTS=${image_opts//\/opt\/spiffe-csi/$opt}")
    SPIFFE_CSI_JAVA_OPTS=${image_opts//\/opt\/spiffe-csi/$opt} deploy/driver/image/image-root.sh train-aot "$opt" "$devkit"
    image_env+=("JAVA_OPTS=-XX:AOTCache=$opt/spiffe-csi-driver.aot")
  else
    deploy/driver/image/image-root.sh train-aot "$opt" "$devkit"
  fi
  echo "== the driver as the image starts it: $opt/bin/spiffe-csi-driver" | tee -a "$report" >&2
  "$devkit/bin/spiffe-csi-driver" bench-suite "${suite[@]}" -- \
    "${image_env[@]}" "$opt/bin/spiffe-csi-driver" | tee -a "$report"
fi
if [ -z "$only" ] || [ "$only" = launcher ]; then
  echo "== the production distribution's launcher with its defaults: $dist/bin/spiffe-csi-driver (JAVA_HOME=$JAVA_HOME)" \
    | tee -a "$report" >&2
  "$devkit/bin/spiffe-csi-driver" bench-suite "${suite[@]}" -- \
    env -u SPIFFE_CSI_JAVA_OPTS -u JAVA_OPTS "$dist/bin/spiffe-csi-driver" | tee -a "$report"
fi
