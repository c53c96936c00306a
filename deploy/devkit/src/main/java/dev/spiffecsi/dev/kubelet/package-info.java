/**
 * The kubelet simulator: drives a CSI driver over its socket as the kubelet does for CSI ephemeral inline volumes
 * ({@link dev.spiffecsi.dev.kubelet.KubeletSimulator}), with the kubelet's paths, volume ids and retries; for the
 * demo, the {@code kubelet-sim} command, the benchmarks and the tests.
 */
package dev.spiffecsi.dev.kubelet;
