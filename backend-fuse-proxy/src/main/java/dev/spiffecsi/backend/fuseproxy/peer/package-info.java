/**
 * The peer credentials (SO_PEERCRED) of the clients of a grpc-netty server on an epoll Unix socket, as a transport
 * attribute: {@link dev.spiffecsi.backend.fuseproxy.peer.PeerCredentialsNegotiator}. Self-contained, for any
 * server of this project that attests its callers: the fuse-proxy volumes and the dev agent.
 */
package dev.spiffecsi.backend.fuseproxy.peer;
