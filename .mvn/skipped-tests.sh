#!/usr/bin/env bash
# Lists every test the last build skipped, with the reason the test gave (surefire and failsafe write it only to
# their XML reports), and fails when SPIFFECSI_REQUIRE_ALL=1: CI sets it, so that a privilege or tool check that
# misfires on the CI machine fails the run instead of leaving it green with the real tests skipped.
# Usage: .mvn/skipped-tests.sh [ROOT]   (ROOT defaults to the repository)
set -euo pipefail
root=${1:-$(cd "$(dirname "$0")/.." && pwd)}

mapfile -t reports < <(find "$root" -path '*/target/*-reports/TEST-*.xml' -not -path '*/node_modules/*' | sort)
# One line per skipped test case: class.method: reason. A testcase element may span lines; its name and class come
# before its <skipped> child.
skipped=$(awk '
  /<testcase / {
    name = ""; class = ""
    if (match($0, / name="[^"]*"/)) name = substr($0, RSTART + 7, RLENGTH - 8)
    if (match($0, / classname="[^"]*"/)) class = substr($0, RSTART + 12, RLENGTH - 13)
  }
  /<skipped/ {
    reason = "no reason given"
    if (match($0, /message="[^"]*"/)) reason = substr($0, RSTART + 9, RLENGTH - 10)
    else if (match($0, /Assumption failed: .*/)) reason = substr($0, RSTART + 19)
    else if (match($0, /CDATA\[.*/)) reason = substr($0, RSTART + 6)
    print class "." name ": " reason
  }' "${reports[@]}" /dev/null)
count=0
[ -n "$skipped" ] && count=$(printf '%s\n' "$skipped" | wc -l)
echo "skipped tests: $count (from ${#reports[@]} reports)"
[ "$count" -eq 0 ] && exit 0
printf '%s\n' "$skipped" | cut -c1-300 | sed 's/^/  /' | head -200
if [ "${SPIFFECSI_REQUIRE_ALL:-0}" = 1 ]; then
  echo "SPIFFECSI_REQUIRE_ALL=1: every test must run here, and $count were skipped (reasons above)" >&2
  exit 1
fi
