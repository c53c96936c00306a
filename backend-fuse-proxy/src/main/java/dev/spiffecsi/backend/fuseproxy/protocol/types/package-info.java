/**
 * <b>Exported</b>, generated from {@code src/main/proto/spire/api/types} (proto package {@code spire.api.types}, as
 * SPIRE's): the SPIFFE ID, selector and SVID messages of the Delegated Identity API
 * ({@link dev.spiffecsi.backend.fuseproxy.protocol.delegatedidentity}). See
 * {@link dev.spiffecsi.backend.fuseproxy.protocol}.
 */
package dev.spiffecsi.backend.fuseproxy.protocol.types;
