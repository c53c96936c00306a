/**
 * One published volume as a running thing ({@link dev.spiffecsi.backend.fuseproxy.server.VolumeServer}: a FUSE mount
 * and a gRPC server bound inside it through a short {@code /proc/self/fd} alias), and the threads all volumes share
 * ({@link dev.spiffecsi.backend.fuseproxy.server.SharedTransport}).
 *
 * <p>What a pod can make a volume's server hold is bounded
 * ({@link dev.spiffecsi.backend.fuseproxy.server.VolumeLimits}, and over all volumes
 * {@link dev.spiffecsi.backend.fuseproxy.server.NodeBudget}): connections are counted and the
 * excess closed on accept ({@code ConnectionLimiter}), streams per connection are enforced from the first frame
 * ({@code StreamLimitNegotiator}), calls in progress are counted ({@code CallLimiter}), and gRPC's own limits on
 * message and header size, idle and handshake time are set. Every refusal is logged at most once a minute per volume
 * ({@code RefusedRequestLog}, and {@code GrpcLogFloods} for gRPC's own lines).
 */
package dev.spiffecsi.backend.fuseproxy.server;
