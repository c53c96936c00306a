/**
 * <b>Exported</b> (with {@link dev.spiffecsi.backend.fuseproxy.protocol}, the only packages the development kit may
 * use): the peer credentials (SO_PEERCRED) of the clients of a grpc-netty server on an epoll Unix socket, and the pidfd
 * that tracks each client's process (SO_PEERPIDFD), as transport attributes:
 * {@link dev.spiffecsi.backend.fuseproxy.peer.PeerCredentialsNegotiator}; and whether such a process belongs to a
 * given pod, by its cgroup: {@link dev.spiffecsi.backend.fuseproxy.peer.PodMembership}. Self-contained, for any
 * server of this project that attests its callers: the fuse-proxy volumes and the dev agent.
 */
package dev.spiffecsi.backend.fuseproxy.peer;
