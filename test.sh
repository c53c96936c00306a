#!/usr/bin/env bash
# The test command: checks every shell script with shellcheck, builds everything and runs every test with the
# newest JDK >= 21 found. Tests that mount for real run only as root, and only inside a private mount namespace, so
# nothing they mount can leak to the host: as root with unshare, this script re-runs itself inside one; otherwise
# those tests are skipped, with a message saying so.
set -euo pipefail
# shellcheck source=.mvn/private-mount-namespace.sh
. "$(dirname "$0")/.mvn/private-mount-namespace.sh"
rerun_in_private_mount_namespace "$@" || true
cd "$(dirname "$0")"
. .mvn/jdk.sh
echo "using the JDK at $JAVA_HOME"
# The realnode end-to-end tier (deploy/e2e: the images, the overlays deployed on a real kubelet) runs when the rig
# ../shared/realnode is there and this is root; its tests skip themselves otherwise, saying so. It runs inside the
# same private mount namespace as the other tests, on purpose: up.sh then starts containerd and the kubelet in it,
# so the kubelet, containerd, the driver's containers (cloned from containerd's namespace) and the tests that read
# the node's mount table all see the same mounts, and whatever down.sh might miss vanishes with the namespace
# instead of staying on the host. (A rig already running in another namespace is refused by the tier.)
realnode=$(pwd)/../shared/realnode
if [ ! -e "$realnode/up.sh" ]; then
  echo "realnode end-to-end tier: skipped, no rig at $realnode" >&2
elif [ "$(id -u)" != 0 ]; then
  echo "realnode end-to-end tier: skipped, it needs root (the rig starts a kubelet)" >&2
else
  echo "realnode end-to-end tier: runs on $realnode (about 9 minutes; report in deploy/e2e/target/e2e/report.txt)"
fi
if [ -n "$no_private_mount_namespace" ]; then
  echo "$no_private_mount_namespace: tests that need real mounts (CAP_SYS_ADMIN, /dev/fuse) will be skipped, since" \
    "they only run as root inside a private mount namespace" >&2
fi
.mvn/shellcheck.sh
./mvnw -B -ntp verify "$@"
# Every skipped test with its reason (surefire writes it only to its XML); with SPIFFECSI_REQUIRE_ALL=1 (CI) a skip
# fails the run.
.mvn/skipped-tests.sh
