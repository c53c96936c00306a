#!/usr/bin/env bash
# Builds the distribution (deploy/target/dist) with the newest JDK >= 21 found, without running the tests.
set -euo pipefail
cd "$(dirname "$0")"
. .mvn/jdk.sh
exec ./mvnw -B -q -ntp -DskipTests package "$@"
