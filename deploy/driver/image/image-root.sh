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
  dist=$(CDPATH='' cd -- "$1" && pwd)
  opt=$(absolute "$2")
  test -x "$dist/bin/spiffe-csi-driver" || { echo "not a distribution: $dist" >&2; exit 1; }
  modules=$(tr -d ' \n' < "$here/jlink-modules")
  mkdir -p "$opt"
  cp -a "$dist/bin" "$dist/lib" "$dist/plugins" "$opt/"
  rm -rf "$opt/runtime" "$opt/native" "$opt/spiffe-csi-driver.aot"
  "$JAVA_HOME/bin/jlink" --add-modules "$modules" --strip-debug --no-man-pages --no-header-files \
    --compress=zip-6 --generate-cds-archive --output "$opt/runtime"
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
  # a smoke test on the linked runtime: the CLI starts and every backend provider loads
  env -u JAVA_HOME "$opt/bin/spiffe-csi-driver" backends >/dev/null
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
}

case "${1:-}" in
  assemble) [ $# -eq 3 ] || { echo "usage: $0 assemble DIST OPT" >&2; exit 2; }; assemble "$2" "$3" ;;
  train-aot) [ $# -eq 3 ] || { echo "usage: $0 train-aot OPT TRAINER" >&2; exit 2; }; train_aot "$2" "$3" ;;
  *) echo "usage: $0 assemble DIST OPT | train-aot OPT TRAINER" >&2; exit 2 ;;
esac
