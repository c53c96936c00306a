/**
 * <b>Exported</b>, generated from {@code src/main/proto/spire/api/agent/delegatedidentity/v1/delegatedidentity.proto}
 * (proto package {@code spire.api.agent.delegatedidentity.v1}, as SPIRE's): the SPIRE agent's Delegated Identity API
 * on its admin socket. The backend is its client ({@link dev.spiffecsi.backend.fuseproxy.delegated}); the dev agent
 * (deploy/devkit) serves it. See {@link dev.spiffecsi.backend.fuseproxy.protocol}.
 */
package dev.spiffecsi.backend.fuseproxy.protocol.delegatedidentity;
