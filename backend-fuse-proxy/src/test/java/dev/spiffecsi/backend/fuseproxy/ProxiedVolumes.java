package dev.spiffecsi.backend.fuseproxy;

import dev.spiffecsi.backend.fuseproxy.testing.FakeDelegatedAgent;
import dev.spiffecsi.spi.Backend;
import dev.spiffecsi.spi.MapBackendConfig;
import dev.spiffecsi.spi.UnpublishRequest;
import dev.spiffecsi.spi.contract.ContractFixture;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.BooleanSupplier;

/**
 * The backends a test made and the targets it published, taken down after it whatever its assertions did, so that
 * no mount outlives a test; and the backend's configuration against a fake agent.
 */
final class ProxiedVolumes implements AutoCloseable {

    private final List<Backend> backends = new ArrayList<>();
    private final List<Path> targets = new ArrayList<>();

    /**
     * The fuse-proxy section with every key set, identity {@code identity}, against {@code agent}; callers are not
     * checked for their pod (require-pod-cgroup off): most tests call from this process, which is in no pod.
     */
    static MapBackendConfig config(FakeDelegatedAgent agent, String identity) {
        return config(agent, identity, false);
    }

    /** The same, with callers checked for their pod or not. */
    static MapBackendConfig config(FakeDelegatedAgent agent, String identity, boolean requirePodCgroup) {
        return config(agent, identity, requirePodCgroup, Map.of());
    }

    /** Callers not checked for their pod, and some settings (limits, say) replaced. */
    static MapBackendConfig config(FakeDelegatedAgent agent, String identity, Map<String, ?> overrides) {
        return config(agent, identity, false, overrides);
    }

    /** The same, with callers checked for their pod or not, and some settings replaced. */
    static MapBackendConfig config(
            FakeDelegatedAgent agent, String identity, boolean requirePodCgroup, Map<String, ?> overrides) {
        Map<String, Object> values = new HashMap<>(Map.of(
                "socket-name",
                ContractFixture.SOCKET_NAME,
                "admin-socket-path",
                agent.socket().toString(),
                "identity",
                identity,
                "socket-mode",
                "0666",
                "unmount-busy-timeout",
                "1s",
                "agent-timeout",
                "5s",
                "files-publish-wait",
                "3s",
                "require-pod-cgroup",
                requirePodCgroup));
        values.putAll(overrides);
        return ReferenceSettings.with(values);
    }

    Backend add(Backend backend) {
        backends.add(backend);
        return backend;
    }

    /** A backend the test closes itself (one standing for a driver process that dies). */
    void forget(Backend backend) {
        backends.remove(backend);
    }

    Path published(Path target) {
        targets.add(target);
        return target;
    }

    /** Waits for {@code condition}, at most {@code patience}. */
    static void eventually(String what, Duration patience, BooleanSupplier condition) throws InterruptedException {
        long deadline = System.nanoTime() + patience.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("not within " + patience.toSeconds() + " s: " + what);
            }
            Thread.sleep(20);
        }
    }

    @Override
    public void close() {
        for (Backend backend : backends) {
            for (Path target : targets) {
                try {
                    backend.unpublish(new UnpublishRequest("cleanup", target, true));
                } catch (RuntimeException e) {
                    // the test's own assertions decide; this only keeps mounts from outliving the test
                }
            }
            backend.close();
        }
    }
}
