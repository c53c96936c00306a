/**
 * {@code demo}: the driver end to end on this machine, with no cluster and no SPIRE
 * ({@link dev.spiffecsi.dev.demo.DemoCommand}): a dev agent, the driver, the kubelet's part for one pod, the example
 * workload, and everything taken down again, in a private mount namespace when it mounts.
 */
package dev.spiffecsi.dev.demo;
