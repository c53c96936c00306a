package dev.spiffecsi.backend.fuseproxy.files;

import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.spiffecsi.backend.fuseproxy.delegated.AgentClient;
import dev.spiffecsi.backend.fuseproxy.delegated.BundleFeed;
import dev.spiffecsi.backend.fuseproxy.delegated.Delegation;
import dev.spiffecsi.backend.fuseproxy.fuse.ServedFiles;
import dev.spiffecsi.backend.fuseproxy.protocol.FileLayout;
import dev.spiffecsi.backend.fuseproxy.protocol.types.Selector;
import dev.spiffecsi.backend.fuseproxy.server.SharedTransport;
import dev.spiffecsi.backend.fuseproxy.testing.FakeDelegatedAgent;
import dev.spiffecsi.backend.fuseproxy.volume.VolumeLabel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** What a volume's condition says while its files cannot be served. */
class PodFilesConditionTest {

    private static Selector k8s(String value) {
        return Selector.newBuilder().setType("k8s").setValue(value).build();
    }

    @Test
    void aVolumeWithoutFilesIsNotReportedHealthyWhileTheBundlesAreMissing() throws Exception {
        System.Logger log = System.getLogger(PodFilesConditionTest.class.getName());
        Path dir = Files.createTempDirectory("pf");
        Set<String> selectors = Set.of("k8s:ns:shop", "k8s:sa:web");
        try (SharedTransport transport = SharedTransport.start();
                FakeDelegatedAgent fake = new FakeDelegatedAgent(dir.resolve("admin.sock"), "example.org")
                        .registerSelectors(selectors, "spiffe://example.org/web")
                        .start();
                AgentClient agent = new AgentClient(
                        fake.socket(),
                        Duration.ofSeconds(5),
                        transport.eventLoops(),
                        transport.calls(),
                        transport.eventLoops());
                // the bundle streams do not answer (yet): an agent slow to send them, or a stream being resumed
                AgentClient silent = new AgentClient(
                        dir.resolve("silent.sock"),
                        Duration.ofSeconds(5),
                        transport.eventLoops(),
                        transport.calls(),
                        transport.eventLoops());
                BundleFeed x509 = BundleFeed.x509(silent, log);
                BundleFeed jwt = BundleFeed.jwt(silent, log)) {
            ServedFiles served = new ServedFiles(Clock.systemUTC());
            FileOptions options = new FileOptions(FileLayout.SPIFFE, List.of(), false, 0444, OptionalInt.empty());
            PodFiles files = PodFiles.start(
                    new VolumeLabel("vol", dir),
                    new Delegation.BySelectors(List.of(k8s("pod-uid:1234"), k8s("ns:shop"), k8s("sa:web"))),
                    options,
                    agent,
                    x509,
                    jwt,
                    served,
                    Clock.systemUTC(),
                    log);
            try {
                // the case under test starts once the SVID is there and only the bundles are missing: a first SVID
                // that never arrives must fail the test, not leave it checking the condition of a volume still waiting
                long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
                while (files.problem()
                        .map(p -> p.contains("waiting for the SPIRE agent's first X.509-SVID"))
                        .orElse(false)) {
                    assertTrue(System.nanoTime() - deadline < 0, "the agent's first X.509-SVID never arrived");
                    Thread.sleep(10); // polling, not synchronisation: the loop ends on the condition
                }
                // the SVID is applied as it arrives and the bundle streams stay silent: nothing changes after this
                assertTrue(served.current().isEmpty(), "no bundle, so no file is served");
                Optional<String> problem = files.problem();
                assertTrue(problem.isPresent(), "the volume serves no file at all, yet its condition is healthy");
                assertTrue(problem.get().contains("waiting for the SPIRE agent's X.509 bundle of"), problem.get());
            } finally {
                files.close();
                served.close();
            }
        } finally {
            Files.deleteIfExists(dir.resolve("admin.sock"));
            Files.deleteIfExists(dir);
        }
    }
}
