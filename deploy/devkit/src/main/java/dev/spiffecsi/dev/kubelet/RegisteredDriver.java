package dev.spiffecsi.dev.kubelet;

/** What the kubelet learns when it registers a CSI driver: GetPluginInfo's name and version, NodeGetInfo's node. */
public record RegisteredDriver(String name, String vendorVersion, String nodeId) {}
