package dev.spiffecsi.backend.fuseproxy.workload;

import com.google.protobuf.ByteString;
import dev.spiffecsi.backend.fuseproxy.protocol.delegatedidentity.SubscribeToX509SVIDsResponse;
import java.util.Map;
import java.util.Optional;

/**
 * Makes one Workload API stream message from the caller's current identities and the agent's current bundles.
 *
 * @param <M> the Workload API message
 */
@FunctionalInterface
interface ResponseComposer<M> {

    /**
     * @param identities the caller's X.509-SVIDs and federation, never empty
     * @param bundles    every bundle the agent has, keyed by trust domain ID
     * @return the message, or empty while a bundle it needs is not known yet
     */
    Optional<M> compose(SubscribeToX509SVIDsResponse identities, Map<String, ByteString> bundles);
}
