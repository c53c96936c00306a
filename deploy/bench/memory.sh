#!/usr/bin/env bash
# Where the driver's memory goes, with the JVM's own evidence: starts the production driver (bindmount as root in a
# private mount namespace, else symlink-dev) with Native Memory Tracking and class-load logging, runs three storms
# of 200 held volumes (8 in flight), then prints VmRSS, the resident set by mapping (/proc/PID/smaps), the NMT
# summary, loaded classes per package, the live heap's largest classes and the threads.
#
#   deploy/bench/memory.sh [LAUNCHER]     default: the production distribution's launcher, after ./build.sh
#
# LAUNCHER may be the image's (OPT/bin/spiffe-csi-driver, see deploy/driver/image/image-root.sh). Options it should
# run with go in SPIFFE_CSI_JAVA_OPTS / JAVA_OPTS as usual.
set -euo pipefail
root=$(CDPATH='' cd -- "$(dirname -- "$0")/../.." && pwd)
# shellcheck source=../../.mvn/private-mount-namespace.sh
. "$root/.mvn/private-mount-namespace.sh"
backend=symlink-dev
rerun_in_private_mount_namespace "$@" && backend=bindmount
# shellcheck source=../../.mvn/jdk.sh
. "$root/.mvn/jdk.sh"
launcher=${1:-$root/deploy/driver/target/dist/bin/spiffe-csi-driver}
client=$root/deploy/dev-distribution/target/dist/bin/spiffe-csi-driver
node=$(mktemp -d /tmp/scm.XXXXXX)
state=$(mktemp -d /dev/shm/scm.XXXXXX)
mkdir -p "$node/agent" "$node/pods"
env -u JAVA_HOME JAVA_OPTS="${JAVA_OPTS:-} -XX:NativeMemoryTracking=summary -Xlog:class+load=info:file=$node/classes.log" \
  "$launcher" serve -node-id memory -backend "$backend" -csi-socket-path "$node/csi.sock" \
  -workload-api-socket-dir "$node/agent" -kubelet-pods-dir "$node/pods" -state-dir "$state" 2>"$node/driver.log" &
driver=$!
trap 'kill "$driver" 2>/dev/null || true; wait "$driver" 2>/dev/null || true; rm -rf "$node" "$state"' EXIT
for _ in $(seq 300); do [ -S "$node/csi.sock" ] && break; sleep 0.1; done
sleep 3
echo "== idle: $(grep -E '^(VmRSS|RssAnon|RssFile)' /proc/$driver/status | tr -s ' \t' ' ' | tr '\n' ' ')"
echo "   classes loaded: $(grep -c ' source: ' "$node/classes.log")"
for _ in 1 2 3; do
  "$client" bench -endpoint "unix://$node/csi.sock" -pods-dir "$node/pods" -volumes 200 -concurrency 8 -hold \
    -repeat-publish 1 >/dev/null 2>&1
done
sleep 3
echo "== after three storms: $(grep -E '^(VmRSS|RssAnon|RssFile)' /proc/$driver/status | tr -s ' \t' ' ' | tr '\n' ' ')"
echo
echo "== resident set by mapping (KiB; [anon] is the heap, metaspace, code cache, stacks and malloc)"
awk '/^[0-9a-f]+-[0-9a-f]+ / { name = $6 == "" ? "[anon]" : $6; key = name " " $2 }
     /^Rss:/ { rss[key] += $2 }
     END { for (k in rss) if (rss[k] >= 256) printf "%8d  %s\n", rss[k], k }' "/proc/$driver/smaps" | sort -rn | head -12
echo
echo "== native memory tracking (committed)"
"$JAVA_HOME/bin/jcmd" "$driver" VM.native_memory summary | grep -E '^(Total|-)' | grep -v 'committed=0KB' \
  | sed -E 's/\(reserved=[0-9]+KB, //; s/\)$//'
echo
echo "== classes loaded, by package (top 20 of $(grep -c ' source: ' "$node/classes.log"); 'shared objects file' = from the CDS archive or AOT cache)"
grep -o '\] [^ ]* source: [^ ]*' "$node/classes.log" | awk '{ n = split($2, p, "."); pkg = p[1]; for (i = 2; i < n && i <= 3; i++) pkg = pkg "." p[i]; c[pkg]++ }
     END { for (k in c) print c[k], k }' | sort -rn | head -20
echo "   from the archive: $(grep -c 'source: shared objects file' "$node/classes.log")"
echo
echo "== live heap after a full GC (largest classes)"
"$JAVA_HOME/bin/jcmd" "$driver" GC.class_histogram | sed -n '1,12p'
echo
echo "== threads"
for task in "/proc/$driver/task/"*; do cat "$task/comm"; done | sed 's/-[0-9]*$/-N/' | sort | uniq -c | sort -rn
echo
# The floor: the same JVM with the same options running a program that does nothing. What the driver holds above
# this line is its own (classes, heap, threads); what is below it is the JVM (libjvm, the CDS archive, GC, ...).
# the launcher's line `: "${SPIFFE_CSI_JAVA_OPTS:=...}"`, matched as text: no expansion meant
# shellcheck disable=SC2016
read -r -a floor_opts <<<"$(sed -n 's/^: "${SPIFFE_CSI_JAVA_OPTS:=\(.*\)}"$/\1/p' "$(readlink -f "$launcher")")"
if [ "${#floor_opts[@]}" -gt 0 ]; then
  cat > "$node/Idle.java" <<'JAVA'
public final class Idle {
    public static void main(String[] args) throws InterruptedException {
        Thread.sleep(Long.MAX_VALUE);
    }
}
JAVA
  "$JAVA_HOME/bin/javac" --release 21 -d "$node" "$node/Idle.java"
  MALLOC_ARENA_MAX=2 "$JAVA_HOME/bin/java" "${floor_opts[@]}" -XX:TrimNativeHeapInterval=1000 -cp "$node" Idle &
  idle=$!
  sleep 3
  echo "== the floor: $JAVA_HOME/bin/java with the launcher's default options, running a program that sleeps"
  echo "   $(grep -E '^(VmRSS|RssAnon|RssFile)' /proc/$idle/status | tr -s ' \t' ' ' | tr '\n' ' ')"
  kill "$idle"
  wait "$idle" 2>/dev/null || true
fi
