#!/usr/bin/env bash
# Where the driver's CPU goes in a publish storm: JFR's execution samples of 10 storms of 200 held volumes, 8 in
# flight, with a kubelet-restart replay (the suite's storm), grouped by what the sampled thread was doing, from the
# top of its stack down to the first frame that says (a mount syscall, the state record, protobuf, the HTTP/2
# transport, logging, ...), then the hottest methods. Needs root; runs bindmount in a private mount namespace.
#
#   deploy/bench/profile.sh [LAUNCHER [STORMS]]   default: the production distribution's launcher, after ./build.sh;
#                                                 10 storms
set -euo pipefail
root=$(CDPATH='' cd -- "$(dirname -- "$0")/../.." && pwd)
[ "$(id -u)" = 0 ] || { echo "profile.sh needs root (bindmount mounts for real)" >&2; exit 1; }
# shellcheck source=../../.mvn/private-mount-namespace.sh
. "$root/.mvn/private-mount-namespace.sh"
rerun_in_private_mount_namespace "$@" \
  || { echo "profile.sh needs a private mount namespace: $no_private_mount_namespace" >&2; exit 1; }
# shellcheck source=../../.mvn/jdk.sh
. "$root/.mvn/jdk.sh"
launcher=${1:-$root/deploy/driver/target/dist/bin/spiffe-csi-driver}
storms=${2:-10}
client=$root/deploy/dev-distribution/target/dist/bin/spiffe-csi-driver
jfr=$JAVA_HOME/bin/jfr
[ -x "$jfr" ] || { echo "profile.sh needs a JDK with bin/jfr ($JAVA_HOME has none)" >&2; exit 1; }
node=$(mktemp -d /tmp/scs.XXXXXX)
state=$(mktemp -d /dev/shm/scs.XXXXXX)
mkdir -p "$node/agent" "$node/pods"
# Java code sampled every millisecond (threads in native code, e.g. a mount syscall or a blocking read, are not
# execution samples: syscalls.sh counts those)
env -u JAVA_HOME JAVA_OPTS="-XX:StartFlightRecording=jdk.ExecutionSample#period=1ms,filename=$node/storm.jfr,dumponexit=true" \
  "$launcher" serve -node-id profile -backend bindmount -csi-socket-path "$node/csi.sock" \
  -workload-api-socket-dir "$node/agent" -kubelet-pods-dir "$node/pods" -state-dir "$state" 2>"$node/driver.log" &
driver=$!
trap 'kill "$driver" 2>/dev/null || true; wait "$driver" 2>/dev/null || true; rm -rf "$node" "$state"' EXIT
for _ in $(seq 300); do [ -S "$node/csi.sock" ] && break; sleep 0.1; done
for _ in $(seq "$storms"); do
  "$client" bench -endpoint "unix://$node/csi.sock" -pods-dir "$node/pods" -volumes 200 -concurrency 8 -hold \
    -repeat-publish 1 >/dev/null 2>&1
done
kill -TERM "$driver"
wait "$driver" || true
trap 'rm -rf "$node" "$state"' EXIT
"$jfr" print --events jdk.ExecutionSample --stack-depth 64 "$node/storm.jfr" > "$node/samples.txt"
# One sample = one "jdk.ExecutionSample {" block; its frames are the "line:" lines, top first. The first rule
# that matches a frame, top down, names the sample's category.
awk -v storms="$storms" '
  function category(frame) {
    if (frame ~ /JnaMountSyscalls\.(mount|bindWithAttributes|umount2|mountFlags)/) return "mount syscalls (JNA)"
    if (frame ~ /JnaMountSyscalls\.stat|EmptyDirectory/) return "stat, mkdir, rmdir (JNA)"
    if (frame ~ /StateStore|VolumeRecordCodec|com\.fasterxml\.jackson/) return "state record (encode, write, rename)"
    if (frame ~ /com\.sun\.jna/) return "other system calls (JNA)"
    if (frame ~ /java\.util\.logging|\.driver\.logging\.|org\.slf4j|ch\.qos\.logback/) return "logging"
    if (frame ~ /io\.prometheus/) return "metrics"
    if (frame ~ /com\.google\.protobuf/) return "protobuf"
    if (frame ~ /io\.grpc\.okhttp|okio\./) return "HTTP/2 transport (OkHttp)"
    if (frame ~ /io\.grpc\.netty|io\.netty/) return "HTTP/2 transport (netty)"
    if (frame ~ /io\.grpc\./) return "gRPC server"
    if (frame ~ /dev\.spiffecsi\./) return "engine and backend (Java)"
    if (frame ~ /sun\.nio\.ch|java\.nio\.|java\.io\./) return "socket and file I/O (JDK)"
    if (frame ~ /java\.util\.concurrent/) return "thread hand-offs (j.u.c)"
    return ""
  }
  /jdk\.ExecutionSample/ { if (open) count(); open = 1; cat = "" ; next }
  open && /line:/ && cat == "" { cat = category($0) }
  function count() { total++; by[cat == "" ? "other (JDK, JIT-compiled stubs)" : cat]++ }
  END {
    if (open) count()
    printf "execution samples of the driver in %d storms (JFR, every 1 ms of running Java code): %d\n", storms, total
    for (c in by) printf "%6.1f %%  %5d  %s\n", 100 * by[c] / total, by[c], c | "sort -rn"
  }' "$node/samples.txt"
echo
echo "hottest methods (top frame):"
"$jfr" view --width 140 hot-methods "$node/storm.jfr" | sed -n '4,18p'
