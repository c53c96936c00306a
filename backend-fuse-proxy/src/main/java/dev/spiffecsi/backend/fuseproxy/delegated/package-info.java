/**
 * The client side of the SPIRE agent's Delegated Identity API: the one shared connection
 * ({@link dev.spiffecsi.backend.fuseproxy.delegated.AgentClient}), how a workload is named to the agent
 * ({@link dev.spiffecsi.backend.fuseproxy.delegated.Delegation}), streams that survive agent restarts
 * ({@link dev.spiffecsi.backend.fuseproxy.delegated.Resubscription}), the bundle streams shared by all volumes
 * ({@link dev.spiffecsi.backend.fuseproxy.delegated.BundleFeed}) and the SVID streams shared by a caller's calls
 * ({@link dev.spiffecsi.backend.fuseproxy.delegated.SvidSubscriptions}). The generated protocol classes are in
 * {@link dev.spiffecsi.backend.fuseproxy.protocol.delegatedidentity}.
 */
package dev.spiffecsi.backend.fuseproxy.delegated;
