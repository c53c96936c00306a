package dev.spiffecsi.backend.fuseproxy.server;

/**
 * The connections and calls of all fuse-proxy volumes of the driver, against their node-wide limits: the per-volume
 * limits keep one pod from taking it all, these keep the sum over many pods within what the driver's memory holds.
 * One per backend, shared by its volumes' servers.
 */
public final class NodeBudget {

    private final Budget connections;
    private final Budget calls;

    /**
     * @param maxConnections Workload API connections open at a time on all volumes together
     * @param maxCalls       Workload API calls in progress at a time on all volumes together
     */
    public NodeBudget(int maxConnections, int maxCalls) {
        this.connections = new Budget(maxConnections);
        this.calls = new Budget(maxCalls);
    }

    Budget connections() {
        return connections;
    }

    Budget calls() {
        return calls;
    }

    /** Connections open now on all volumes, for tests and the condition. */
    public int openConnections() {
        return connections.held();
    }

    /** Calls in progress now on all volumes, for tests and the condition. */
    public int callsInProgress() {
        return calls.held();
    }
}
