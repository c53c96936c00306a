#!/bin/bash
# Registers the fuse-proxy driver with SPIRE under the SPIFFE ID that agent.conf lists in authorized_delegates,
# so that the agent lets it use the Delegated Identity API on the admin socket. Run it after
# base/example-workload/register-workload.sh (which creates the node entry, the parent below).
# The driver runs in the agent's pod, under the agent's service account: the container name narrows the entry
# to the driver container (the agent, node-driver-registrar and livenessprobe containers do not match).

set -e -o pipefail

echo "Registering the SPIFFE CSI driver as an authorized delegate..."
kubectl exec -it \
    -nspire \
    deployment/spire-server -- \
    /opt/spire/bin/spire-server entry create \
        -parentID spiffe://example.org/node \
        -spiffeID spiffe://example.org/spiffe-csi-driver \
        -selector k8s:ns:spire \
        -selector k8s:sa:spire-agent \
        -selector k8s:container-name:spiffe-csi-driver

echo "Done."
