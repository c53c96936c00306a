# shellcheck shell=bash
# Sourced by the scripts whose work mounts for real (test.sh, deploy/bench/*.sh), which call
#
#   rerun_in_private_mount_namespace "$@"
#
# before they change directory ($0 must still name the script). As root with unshare(1), it re-runs the calling
# script with the same arguments inside a private mount namespace (unshare --mount --propagation private), so that
# nothing mounted there reaches the host and whatever is left mounted vanishes with the namespace. It exports
# SPIFFECSI_OUTER_MOUNT_NS, the namespace it started in, first: the re-run knows by it that it is inside (its own
# namespace differs), and the tests compare theirs with it when /proc/1 is unreadable (spi's Privileges, devkit's
# MountPrivileges).
#
# Returns 0 in the re-run. Otherwise it returns 1, with the reason in $no_private_mount_namespace: "not root" or
# "no unshare (util-linux)".
# (no_private_mount_namespace is the function's answer to its caller, which shellcheck cannot see from this file)
# shellcheck disable=SC2034
rerun_in_private_mount_namespace() {
  no_private_mount_namespace=""
  if [ "$(id -u)" != 0 ]; then
    no_private_mount_namespace="not root"
    return 1
  fi
  # inside already: the re-run, or a script it started
  if [ -n "${SPIFFECSI_OUTER_MOUNT_NS:-}" ] \
    && [ "$SPIFFECSI_OUTER_MOUNT_NS" != "$(readlink /proc/self/ns/mnt)" ]; then
    return 0
  fi
  if ! command -v unshare >/dev/null; then
    no_private_mount_namespace="no unshare (util-linux)"
    return 1
  fi
  SPIFFECSI_OUTER_MOUNT_NS=$(readlink /proc/self/ns/mnt)
  export SPIFFECSI_OUTER_MOUNT_NS
  # "$BASH" "$0": the script need not be executable, nor its name contain a slash
  exec unshare --mount --propagation private "$BASH" "$0" "$@"
}
