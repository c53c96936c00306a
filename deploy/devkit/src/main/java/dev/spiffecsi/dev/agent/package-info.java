/**
 * The dev SPIFFE agent, never for production: a stand-in for a SPIRE agent that issues real X.509-SVIDs and
 * JWT-SVIDs from an in-memory CA ({@link dev.spiffecsi.dev.agent.DevAgent}). It serves the SPIFFE Workload API and,
 * on its admin socket, SPIRE's Delegated Identity API to authorized delegates (the driver's fuse-proxy backend), each
 * on a {@link dev.spiffecsi.dev.agent.DevAgentSocketServer}, attesting callers by their peer credentials as SPIRE's
 * unix attestor does. The protocols (the generated classes, the security header, the claims mapping) and the peer
 * credentials are the ones the fuse-proxy backend exports ({@code dev.spiffecsi.backend.fuseproxy.protocol} and
 * {@code .peer}), so that the stand-in and the backend speak the same wire format by construction; the
 * registrations, the CA and the attestation are the dev agent's own.
 */
package dev.spiffecsi.dev.agent;
