#!/usr/bin/env bash
# The image's base, distroless-style: from a Debian root file system SOURCE (debian:bookworm-slim's in
# deploy/Dockerfile, the end-to-end tier's debootstrap minbase root), only what the image runs, copied to TARGET:
#   - glibc (libc6), without its gconv modules (iconv's; the JVM converts character sets itself): the JVM's and
#     the native libraries' only dependency once the runtime holds no java.desktop
#   - dash as /bin/sh, with dirname, readlink (coreutils) and sed: the launcher (bin/spiffe-csi-driver) is a
#     POSIX sh script that uses them
#   - chcon (coreutils, SELinux-enabled) and what it links: the set-context init container of
#     deploy/kubernetes/components/selinux runs it from this image
#   - /etc/passwd and /etc/group: root's entries (its shell /bin/sh) and the spiffe-csi user's (uid 65532) SOURCE has
#   - dpkg's status entries of those packages, one file each in var/lib/dpkg/status.d/ as distroless images keep
#     them, so that image scanners know which Debian packages (and versions) the image holds
#   - /tmp (1777), /etc/nsswitch.conf, /etc/ld.so.cache
# then runs each program in TARGET (chroot) to show that nothing they link is missing.
#
#   base-root.sh SOURCE TARGET     (TARGET must not exist; run as root: chroot)
set -euo pipefail
[ $# -eq 2 ] || { echo "usage: $0 SOURCE TARGET" >&2; exit 2; }
source_root=$(CDPATH='' cd -- "$1" && pwd)
target=$2
[ ! -e "$target" ] || { echo "$target exists" >&2; exit 1; }
# whole packages (their documentation, manual pages and the like left out) and single programs of others
packages=(libc6 dash libselinux1 libpcre2-8-0 libacl1)
programs=(/bin/sed /bin/readlink /usr/bin/dirname /usr/bin/chcon)

mkdir -p "$target"
target=$(CDPATH='' cd -- "$target" && pwd)
cd "$source_root"
# the merged /usr's links first, so that the packages' /bin and /lib paths land in usr/ as in SOURCE
for link in bin sbin lib lib32 lib64 libx32; do
  if [ -L "$link" ]; then
    cp -a "$link" "$target/"
    mkdir -p "$target/$(readlink "$link")"
  fi
done
# a package's file list: named with its architecture (libc6:amd64.list) or, for Architecture: all, without
list() {
  local candidate
  for candidate in var/lib/dpkg/info/"$1".list var/lib/dpkg/info/"$1":*.list; do
    if [ -f "$candidate" ]; then echo "$candidate"; return; fi
  done
  echo "package $1 is not installed in $source_root" >&2
  exit 1
}
{
  for package in "${packages[@]}"; do
    grep -v -E '^/usr/share/(doc|lintian|man|info|locale)/|/gconv/' "$(list "$package")"
  done
  printf '%s\n' "${programs[@]}" /bin/sh /etc/passwd /etc/group /etc/nsswitch.conf /etc/ld.so.cache
} | sed 's|^/||' | sort -u | while IFS= read -r path; do
  # directories come with the files in them; a directory link (e.g. a package's /lib64) is copied as a link
  if [ -n "$path" ] && { [ -L "$path" ] || [ -f "$path" ]; }; then
    cp -a --parents "$path" "$target/"
  fi
done
# root and the spiffe-csi user only
grep -E '^(root|spiffe-csi):' etc/passwd | sed 's|:/bin/bash$|:/bin/sh|' > "$target/etc/passwd"
grep -E '^(root|spiffe-csi):' etc/group > "$target/etc/group"
mkdir -p "$target/var/lib/dpkg/status.d" "$target/tmp"
chmod 1777 "$target/tmp"
for package in "${packages[@]}" coreutils sed; do
  awk -v want="$package" 'BEGIN { RS = ""; ORS = "\n\n" } $0 ~ ("^Package: " want "\n") { print }' \
    var/lib/dpkg/status > "$target/var/lib/dpkg/status.d/$package"
  test -s "$target/var/lib/dpkg/status.d/$package"
done
grep -q '^spiffe-csi:x:65532:' "$target/etc/passwd" || { echo "no spiffe-csi user (65532) in $source_root" >&2; exit 1; }
# (no /dev in TARGET: the container runtime brings it)
chroot "$target" /bin/sh -c 'dirname /a/b && readlink -f / && sed --version && chcon --version' >/dev/null
