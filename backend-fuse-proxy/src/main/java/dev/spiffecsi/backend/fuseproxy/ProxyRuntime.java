package dev.spiffecsi.backend.fuseproxy;

import dev.spiffecsi.backend.fuseproxy.delegated.AgentClient;
import dev.spiffecsi.backend.fuseproxy.delegated.BundleFeed;
import dev.spiffecsi.backend.fuseproxy.server.SharedTransport;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;

/**
 * What all volumes of one backend share: the threads, the connection to the agent's admin socket, and the two bundle
 * feeds. Nothing here connects before the first workload call.
 */
record ProxyRuntime(SharedTransport transport, AgentClient agent, BundleFeed x509Bundles, BundleFeed jwtBundles)
        implements AutoCloseable {

    static ProxyRuntime start(Path adminSocket, Duration agentTimeout, System.Logger log) throws IOException {
        SharedTransport transport = SharedTransport.start();
        AgentClient agent = new AgentClient(adminSocket, agentTimeout, transport.eventLoops(), transport.calls(),
                transport.eventLoops());
        return new ProxyRuntime(transport, agent, BundleFeed.x509(agent, log), BundleFeed.jwt(agent, log));
    }

    @Override
    public void close() {
        x509Bundles.close();
        jwtBundles.close();
        agent.close();
        transport.close();
    }
}
