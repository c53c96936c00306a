/**
 * The peer credentials (SO_PEERCRED) of the clients of a grpc-netty server on an epoll Unix socket, as a transport
 * attribute: {@link dev.spiffecsi.backend.fuseproxy.peer.PeerCredentialsNegotiator}. Self-contained, for any
 * server of this project that attests its callers (the dev agent can use it instead of its copy).
 */
package dev.spiffecsi.backend.fuseproxy.peer;
