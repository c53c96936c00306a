#!/usr/bin/env bash
# Checks every shell script of the repository with shellcheck (the Debian package) and fails on any finding.
# The scripts are found, not listed: every *.sh file, and every other file whose first line is a sh or bash
# shebang (.ci/run, the distribution's launcher), outside target/, .git/ and node_modules/; mvnw is the Maven
# wrapper's, generated, and left out. Without shellcheck it says so and passes, unless SPIFFECSI_REQUIRE_ALL=1 (CI),
# under which a check that cannot run fails the run like a skipped test.
# Usage: .mvn/shellcheck.sh [ROOT]   (ROOT defaults to the repository)
set -euo pipefail
root=${1:-$(cd "$(dirname "$0")/.." && pwd)}
cd "$root"
mapfile -t scripts < <(find . \( -name target -o -name .git -o -name node_modules \) -prune \
    -o -type f -not -path ./mvnw -print \
  | sort \
  | xargs awk 'FNR == 1 { if (FILENAME ~ /\.sh$/ || /^#!.*[\/ ](ba)?sh( |$)/) print FILENAME; nextfile }')
if ! command -v shellcheck >/dev/null; then
  if [ "${SPIFFECSI_REQUIRE_ALL:-0}" = 1 ]; then
    echo "SPIFFECSI_REQUIRE_ALL=1: shellcheck must check the ${#scripts[@]} shell scripts, and it is not installed" \
      "(apt-get install shellcheck)" >&2
    exit 1
  fi
  echo "shellcheck: skipped, not installed (apt-get install shellcheck); ${#scripts[@]} shell scripts unchecked" >&2
  exit 0
fi
# The Go driver's register-workload.sh is kept byte for byte (ScriptsTest compares the shipped copy with the Go
# driver's in the test resources): its one finding, a DIR it sets and never uses (SC2034), is upstream's and stays.
verbatim=(./deploy/kubernetes/base/example-workload/register-workload.sh
  ./deploy/kubernetes/src/test/resources/manifests/seed/register-workload.sh)
ours=()
for script in "${scripts[@]}"; do
  case " ${verbatim[*]} " in
    *" $script "*) ;;
    *) ours+=("$script") ;;
  esac
done
# .shellcheckrc (found from each script's directory up) makes shellcheck follow the files the scripts source
shellcheck "${ours[@]}"
shellcheck --exclude=SC2034 "${verbatim[@]}"
echo "shellcheck: ${#scripts[@]} shell scripts, no findings"
