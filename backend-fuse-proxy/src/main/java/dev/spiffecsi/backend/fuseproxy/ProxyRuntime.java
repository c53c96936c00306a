package dev.spiffecsi.backend.fuseproxy;

import dev.spiffecsi.backend.fuseproxy.delegated.AgentClient;
import dev.spiffecsi.backend.fuseproxy.delegated.BundleFeed;
import dev.spiffecsi.backend.fuseproxy.server.NodeBudget;
import dev.spiffecsi.backend.fuseproxy.server.SharedTransport;
import java.io.IOException;

/**
 * What all volumes of one backend share: the threads, the connection to the agent's admin socket, the two bundle
 * feeds, and the count of connections and calls against the node's limits. Nothing here connects before the first
 * workload call.
 */
record ProxyRuntime(
        SharedTransport transport, AgentClient agent, BundleFeed x509Bundles, BundleFeed jwtBundles, NodeBudget node)
        implements AutoCloseable {

    static ProxyRuntime start(FuseProxySettings settings, System.Logger log) throws IOException {
        SharedTransport transport = SharedTransport.start();
        AgentClient agent = new AgentClient(
                settings.adminSocket(),
                settings.agentTimeout(),
                transport.eventLoops(),
                transport.calls(),
                transport.eventLoops());
        return new ProxyRuntime(
                transport,
                agent,
                BundleFeed.x509(agent, log),
                BundleFeed.jwt(agent, log),
                new NodeBudget(settings.nodeMaxConnections(), settings.nodeMaxCalls()));
    }

    @Override
    public void close() {
        x509Bundles.close();
        jwtBundles.close();
        agent.close();
        transport.close();
    }
}
