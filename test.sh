#!/usr/bin/env bash
# The test command: builds everything and runs every test with the newest JDK >= 21 found. Tests that mount for
# real run only as root, and only inside a private mount namespace, so nothing they mount can leak to the host;
# unprivileged runs skip them with a message saying so.
set -euo pipefail
cd "$(dirname "$0")"
. .mvn/jdk.sh
echo "using the JDK at $JAVA_HOME"
if [ "$(id -u)" = 0 ] && command -v unshare >/dev/null; then
  SPIFFECSI_OUTER_MOUNT_NS=$(readlink /proc/self/ns/mnt)
  export SPIFFECSI_OUTER_MOUNT_NS
  exec unshare --mount --propagation private ./mvnw -B -ntp verify "$@"
fi
echo "not root: tests that need real mounts will be skipped" >&2
exec ./mvnw -B -ntp verify "$@"
