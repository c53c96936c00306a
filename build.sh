#!/usr/bin/env bash
# Builds both distributions with the newest JDK >= 21 found, without running the tests, and says where they are.
set -euo pipefail
cd "$(dirname "$0")"
. .mvn/jdk.sh
./mvnw -B -q -ntp -DskipTests package "$@"
cat <<INFO
production distribution   deploy/driver/target/dist            (the driver and its backends: what the image holds)
the image's Java runtime  deploy/driver/target/runtime         (jlinked; the launcher uses it when JAVA_HOME is unset)
development distribution  deploy/dev-distribution/target/dist  (the driver plus demo, dev-agent, kubelet-sim,
                                                                workload, bench, bench-startup)
INFO
