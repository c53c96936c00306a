/**
 * The fuse-proxy backend: each volume is a FUSE filesystem holding one socket, on which the driver serves the SPIFFE
 * Workload API itself, answering every caller with the identities the SPIRE agent issues <em>on behalf of</em> that
 * caller through its Delegated Identity API (on the agent's admin socket); or the pod's credential files, served
 * from the driver's memory ({@link dev.spiffecsi.backend.fuseproxy.files}); or both, as the volume's attributes say
 * ({@link dev.spiffecsi.backend.fuseproxy.VolumeOptions}).
 *
 * <p>Why not a byte relay: SPIRE attests a Workload API caller by the pid it reads from the Unix socket
 * (SO_PEERCRED); behind a relay the agent would attest the driver. So the proxy reads the caller's credentials from
 * its own socket ({@link dev.spiffecsi.backend.fuseproxy.peer}) and names the caller to the agent by pid or by the
 * pod's selectors ({@link dev.spiffecsi.backend.fuseproxy.IdentityMode}). Before either, a caller must belong to the
 * pod the volume was published for, by its cgroup ({@link dev.spiffecsi.backend.fuseproxy.PodBoundCallers}, the
 * {@code require-pod-cgroup} setting): whoever else reaches the socket is refused.
 *
 * <p>Packages: {@code fuse} (the filesystem), {@code peer} (SO_PEERCRED and SO_PEERPIDFD through grpc-netty, a caller's
 * pod), {@code delegated}
 * (the agent connection, resubscription across agent restarts, the shared bundle feeds), {@code workload} (the
 * Workload API service and its message mapping), {@code files} (the credential files: layouts, PEM, the per-volume
 * feed and JWT-SVID refresh), {@code server} (one volume's mount, server and files, the shared threads),
 * {@code volume} (the label that names a volume in every log line and message). This package itself holds the
 * backend ({@code FuseProxyBackend}, which decides by what is at a target), what it knows of each target
 * ({@code TargetRecord}), how it starts a volume ({@code VolumeLauncher}), tells its condition
 * ({@code VolumeConditions}, {@code OrphanReporter}) and removes orphaned mounts ({@code OrphanedMountRemover}).
 *
 * <h2>Driver restarts</h2>
 * A FUSE filesystem is served by the process that mounted it, and dies with it: its mount stays, but every access
 * gets ENOTCONN. What a running pod sees across a driver restart:
 * <ol>
 * <li>When the driver process ends, open Workload API connections break and new ones fail with ENOTCONN (the
 *     socket path cannot even be looked up). Workload API clients retry with backoff.</li>
 * <li>The new driver process calls {@code resume} with the volumes the engine recorded, before it serves CSI. For
 *     each, it mounts a new filesystem <em>on top of</em> the orphaned one at the same target and serves it. On the
 *     host the target works again at once.</li>
 * <li>Whether the pod sees the new mount depends on its volume mount's propagation. The container's mount is a
 *     bind of the old filesystem; a mount stacked on the target reaches it only if the container's mount receives
 *     propagation from the host: {@code mountPropagation: HostToContainer} (or Bidirectional) on the pod's
 *     volumeMount, with the kubelet's pods directory a shared mount (the kubelet's default). Then clients reconnect
 *     and get fresh SVIDs. With the default (None), the container keeps the dead mount: its clients get ENOTCONN
 *     until the pod is recreated. (Unmounting the orphan and mounting afresh instead would reach no container at
 *     all: the new mount would be a sibling of what the container holds, not on top of it. DriverRestartTest
 *     shows both propagation cases with real mounts.)</li>
 * </ol>
 * An orphaned mount counts as this backend's publication ({@code inspect} says BROKEN, {@code condition} says
 * abnormal until it is served again); {@code unpublish} removes it together with what is stacked on it.
 *
 * <h2>Where its tests are</h2>
 * This module's tests ({@code src/test}) drive the backend directly, against an in-process fake agent
 * ({@code testing.FakeDelegatedAgent}); those with real mounts and FUSE need root in a private mount namespace and are
 * skipped otherwise. The backend's end-to-end tests are in the development kit: {@code deploy/devkit}, test package
 * {@code dev.spiffecsi.dev.simulatednode.fuseproxy} (end to end, credential files, volume churn, first-SVID latency,
 * the files' cost). They run the real driver over its CSI socket with the dev SPIFFE agent and the kubelet
 * simulator, which live in the devkit; the devkit depends on this backend, never the other way round, so those tests
 * cannot live here. Run them with {@code -pl deploy/devkit -am}.
 */
package dev.spiffecsi.backend.fuseproxy;
