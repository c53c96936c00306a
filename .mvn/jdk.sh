# shellcheck shell=bash
# Sourced by build.sh, test.sh and deploy/bench/*.sh: exports JAVA_HOME as the newest JDK >= 21 found, because the
# default `java` of many machines (Debian 12: 17) is too old for --release 21.
pick_jdk() {
  local candidate version best="" best_version=0
  for candidate in "${JAVA_HOME:-}" /usr/lib/jvm/* "$(dirname "$(dirname "$(readlink -f "$(command -v javac || echo /nonexistent)")")")"; do
    if [ -z "$candidate" ] || [ ! -x "$candidate/bin/javac" ]; then
      continue
    fi
    version=$("$candidate/bin/java" -XshowSettings:properties -version 2>&1 \
      | sed -n 's/^ *java.specification.version = //p')
    version=${version%%.*}
    if [ -n "$version" ] && [ "$version" -ge 21 ] && [ "$version" -gt "$best_version" ]; then
      best=$candidate best_version=$version
    fi
  done
  if [ -z "$best" ]; then
    echo "no JDK 21 or newer found: install one (e.g. apt-get install openjdk-21-jdk) or set JAVA_HOME" >&2
    return 1
  fi
  echo "$best"
}
JAVA_HOME=$(pick_jdk) || exit 1
export JAVA_HOME
