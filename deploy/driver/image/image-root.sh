#!/usr/bin/env bash
# The image's /opt/spiffe-csi, made the same way wherever it is made: by deploy/Dockerfile, by the benchmarks
# (deploy/bench/run.sh) and by the end-to-end tier. The JDK is $JAVA_HOME's (jlink and jar come from it).
#
#   image-root.sh assemble DIST OPT       the production distribution DIST (bin/ lib/ plugins/) copied to OPT, a
#                                         jlinked runtime of the modules in jlink-modules (OPT/runtime), and the
#                                         native libraries of this platform unpacked (OPT/native), so that nothing is
#                                         unpacked into /tmp at start (read-only root file systems)
#   image-root.sh train-aot OPT TRAINER   trains OPT/spiffe-csi-driver.aot where OPT is (the cache is valid for those
#                                         paths only): OPT's driver serves publish storms (symlink-dev, unprivileged)
#                                         from TRAINER's bench (a development distribution), then exits. The driver
#                                         trains with its launcher's JVM options, or with SPIFFE_CSI_JAVA_OPTS when
#                                         that is set (the image must then set the same: a cache trained with other
#                                         options is ignored)
#
# OPT/bin/spiffe-csi-driver adds the JVM options for OPT/native and OPT/spiffe-csi-driver.aot itself when they are
# there, so an image needs no environment of its own.
set -euo pipefail
here=$(CDPATH='' cd -- "$(dirname -- "$0")" && pwd)
: "${JAVA_HOME:?set JAVA_HOME to a JDK >= 21}"

# absolute, whatever the caller's directory: the functions below change directory
absolute() {
  mkdir -p "$1" && (CDPATH='' cd -- "$1" && pwd)
}

assemble() {
  local dist opt modules netty jna unpack
  # only assemble strips: train-aot runs where the image's root is built (the tier's Debian minbase root), which
  # has no binutils
  command -v strip >/dev/null || { echo "image-root.sh assemble needs strip (binutils)" >&2; exit 1; }
  dist=$(CDPATH='' cd -- "$1" && pwd)
  opt=$(absolute "$2")
  test -x "$dist/bin/spiffe-csi-driver" || { echo "not a distribution: $dist" >&2; exit 1; }
  modules=$(tr -d ' \n' < "$here/jlink-modules")
  mkdir -p "$opt"
  cp -a "$dist/bin" "$dist/lib" "$dist/plugins" "$opt/"
  rm -rf "$opt/runtime" "$opt/native" "$opt/spiffe-csi-driver.aot"
  "$JAVA_HOME/bin/jlink" --add-modules "$modules" --strip-debug --no-man-pages --no-header-files \
    --compress=zip-0 --generate-cds-archive --output "$opt/runtime"
  # the launcher caps the heap far below 32 GiB, so the JVM always runs with compressed oops and never maps the
  # archive made for running without them
  rm -f "$opt/runtime/lib/server/classes_nocoops.jsa"
  case "$(uname -m)" in
    x86_64) netty=x86_64 jna=linux-x86-64 ;;
    aarch64) netty=aarch_64 jna=linux-aarch64 ;;
    *) echo "no native libraries for $(uname -m)" >&2; exit 1 ;;
  esac
  unpack=$(mktemp -d)
  (cd "$unpack" \
    && "$JAVA_HOME/bin/jar" xf "$(ls "$opt"/lib/grpc-netty-shaded-*.jar)" \
         "META-INF/native/libio_grpc_netty_shaded_netty_transport_native_epoll_${netty}.so" \
    && "$JAVA_HOME/bin/jar" xf "$(ls "$opt"/lib/jna-[0-9]*.jar)" "com/sun/jna/${jna}/libjnidispatch.so")
  mkdir -p "$opt/native"
  cp "$unpack/META-INF/native/libio_grpc_netty_shaded_netty_transport_native_epoll_${netty}.so" \
     "$unpack/com/sun/jna/${jna}/libjnidispatch.so" "$opt/native/"
  chmod 0755 "$opt/native/"*.so
  rm -rf "$unpack"
  # The launcher points JNA and netty at native/ (netty tries java.library.path before its jar), so the copies in
  # these jars, for every platform (and netty's tcnative, for TLS, which the driver never speaks), are never read;
  # every jar is stored rather than deflated, for the layer compresses better as a whole (RepackJars.java)
  "$JAVA_HOME/bin/java" "$here/RepackJars.java" "$opt/lib" "$(ls "$opt"/lib/grpc-netty-shaded-*.jar)" \
    "$(ls "$opt"/lib/jna-[0-9]*.jar)"
  # The symbol tables of the JVM's and the native libraries' shared objects: only a debugger or a native profiler
  # reads them (the JVM exports what it looks up itself in the dynamic symbol table, which stays); a crash log
  # then names frames in libjvm.so by offset, which the matching JDK build's symbols resolve
  find "$opt/runtime" "$opt/native" -name '*.so' -exec strip --strip-unneeded {} +
  # a smoke test on the linked runtime (which leaves out modules that jdeps names: DockerfileTest says which and why): the CLI
  # starts, every backend provider loads, and each backend's configuration is read and checked as serve does
  listed=$(env -u JAVA_HOME "$opt/bin/spiffe-csi-driver" backends)
  for backend in bindmount fuse-proxy symlink-dev; do
    grep -q "^$backend " <<<"$listed" || { echo "backend $backend does not load on the linked runtime" >&2; exit 1; }
    checked=$(env -u JAVA_HOME "$opt/bin/spiffe-csi-driver" check-config -backend "$backend" -node-id smoke \
      -workload-api-socket-dir /tmp -csi-socket-path /tmp/csi.sock -kubelet-pods-dir /tmp 2>&1) \
      || { echo "$checked" >&2; echo "check-config -backend $backend fails on the linked runtime" >&2; exit 1; }
  done
}

train_aot() {
  local opt trainer node driver
  opt=$(CDPATH='' cd -- "$1" && pwd)
  trainer=$(CDPATH='' cd -- "$2" && pwd)
  test -x "$trainer/bin/spiffe-csi-driver" || { echo "not a distribution: $trainer" >&2; exit 1; }
  rm -f "$opt/spiffe-csi-driver.aot"
  node=$(mktemp -d /tmp/aot.XXXXXX)
  mkdir -p "$node/agent" "$node/pods"
  JAVA_OPTS="-XX:AOTCacheOutput=$opt/spiffe-csi-driver.aot -Xlog:aot=error" env -u JAVA_HOME \
    "$opt/bin/spiffe-csi-driver" serve -node-id aot-training -backend symlink-dev -csi-socket-path "$node/csi.sock" \
    -workload-api-socket-dir "$node/agent" -kubelet-pods-dir "$node/pods" -state-dir "$node/state" \
    2>"$node/driver.log" &
  driver=$!
  if ! "$trainer/bin/spiffe-csi-driver" bench -endpoint "unix://$node/csi.sock" -pods-dir "$node/pods" \
         -volumes 200 -concurrency 8 -hold -repeat-publish 1 >/dev/null \
     || ! "$trainer/bin/spiffe-csi-driver" bench -endpoint "unix://$node/csi.sock" -pods-dir "$node/pods" \
         -volumes 300 >/dev/null; then
    kill -TERM "$driver" 2>/dev/null || true
    cat "$node/driver.log" >&2
    exit 1
  fi
  kill -TERM "$driver"
  wait "$driver"
  rm -rf "$node"
  test -s "$opt/spiffe-csi-driver.aot"
  # The launcher passes -XX:AOTCache whenever the cache is there, and a JVM given an AOT cache maps nothing else:
  # the runtime's default CDS archive would never be read again (were the cache rejected, the JVM would run
  # without any archive, not fall back to this one)
  rm -f "$opt/runtime/lib/server/classes.jsa"
}

case "${1:-}" in
  assemble) [ $# -eq 3 ] || { echo "usage: $0 assemble DIST OPT" >&2; exit 2; }; assemble "$2" "$3" ;;
  train-aot) [ $# -eq 3 ] || { echo "usage: $0 train-aot OPT TRAINER" >&2; exit 2; }; train_aot "$2" "$3" ;;
  *) echo "usage: $0 assemble DIST OPT | train-aot OPT TRAINER" >&2; exit 2 ;;
esac
