/**
 * One published volume as a running thing ({@link dev.spiffecsi.backend.fuseproxy.server.VolumeServer}: a FUSE mount
 * and a gRPC server bound inside it through a short {@code /proc/self/fd} alias), and the threads all volumes share
 * ({@link dev.spiffecsi.backend.fuseproxy.server.SharedTransport}).
 */
package dev.spiffecsi.backend.fuseproxy.server;
