#!/usr/bin/env bash
# The system calls of one publish and one unpublish, counted by strace over 200 sequential pairs after a warm-up:
# what the driver asks of the kernel per volume (mounts, statx, files of the state record, logging, thread
# hand-offs). Needs root and strace; runs bindmount in a private mount namespace.
#
#   deploy/bench/syscalls.sh [LAUNCHER]   default: the production distribution's launcher, after ./build.sh
set -euo pipefail
root=$(CDPATH='' cd -- "$(dirname -- "$0")/../.." && pwd)
command -v strace >/dev/null || { echo "syscalls.sh needs strace (apt-get install strace)" >&2; exit 1; }
[ "$(id -u)" = 0 ] || { echo "syscalls.sh needs root (bindmount mounts for real)" >&2; exit 1; }
# shellcheck source=../../.mvn/private-mount-namespace.sh
. "$root/.mvn/private-mount-namespace.sh"
rerun_in_private_mount_namespace "$@" \
  || { echo "syscalls.sh needs a private mount namespace: $no_private_mount_namespace" >&2; exit 1; }
# shellcheck source=../../.mvn/jdk.sh
. "$root/.mvn/jdk.sh"
launcher=${1:-$root/deploy/driver/target/dist/bin/spiffe-csi-driver}
client=$root/deploy/dev-distribution/target/dist/bin/spiffe-csi-driver
pairs=200
node=$(mktemp -d /tmp/scs.XXXXXX)
state=$(mktemp -d /dev/shm/scs.XXXXXX)
mkdir -p "$node/agent" "$node/pods"
env -u JAVA_HOME "$launcher" serve -node-id syscalls -backend bindmount -csi-socket-path "$node/csi.sock" \
  -workload-api-socket-dir "$node/agent" -kubelet-pods-dir "$node/pods" -state-dir "$state" 2>"$node/driver.log" &
driver=$!
trap 'kill "$driver" 2>/dev/null || true; wait "$driver" 2>/dev/null || true; rm -rf "$node" "$state"' EXIT
for _ in $(seq 300); do [ -S "$node/csi.sock" ] && break; sleep 0.1; done
"$client" bench -endpoint "unix://$node/csi.sock" -pods-dir "$node/pods" -volumes 500 >/dev/null 2>&1   # warm-up
strace -f -c -o "$node/strace.txt" -p "$driver" 2>/dev/null &
tracer=$!
sleep 1
"$client" bench -endpoint "unix://$node/csi.sock" -pods-dir "$node/pods" -volumes "$pairs" >/dev/null 2>&1
sleep 0.5
kill -INT "$tracer"
wait "$tracer" || true
echo "system calls of the driver per publish + unpublish ($pairs pairs, bindmount):"
awk -v pairs="$pairs" '$NF != "total" && $4 ~ /^[0-9]+$/ { printf "%8.2f  %s\n", $4 / pairs, $NF }' \
  "$node/strace.txt" | sort -rn | awk '$1 >= 0.05'
awk -v pairs="$pairs" '$NF == "total" { printf "%8.2f  total\n", $4 / pairs }' "$node/strace.txt"
