package dev.spiffecsi.dev.simulatednode.fuseproxy;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.spiffecsi.backend.fuseproxy.protocol.FileLayout;
import dev.spiffecsi.dev.agent.RegistrationEntry;
import dev.spiffecsi.dev.agent.WorkloadSelector;
import dev.spiffecsi.dev.demo.Leftovers;
import dev.spiffecsi.dev.kubelet.Pod;
import dev.spiffecsi.spi.contract.Privileges;
import io.spiffe.spiffeid.SpiffeId;
import java.io.IOException;
import java.lang.management.BufferPoolMXBean;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Measures, and prints, what credential files cost, through the real driver, the kubelet simulator and the dev
 * agent, all in this process: the first-file latency (from the kubelet's NodePublishVolume to the first successful
 * read of the credential bundle) and the memory per volume (heap after a full GC and resident set, before and after
 * {@value #VOLUMES} volumes with files). The dev agent shares the process, so its per-subscription state is in the
 * memory figures too: they are an upper bound for the driver. No timed assertion: a shared machine's numbers are
 * not a specification; what is asserted is that every file read is the pod's.
 */
class FuseProxyFilesCostTest {

    private static final int WARM_UP = 5;
    private static final int RUNS = 25;
    private static final int VOLUMES = 50;
    private static final SpiffeId ID = SpiffeId.parse("spiffe://example.org/ns/bench/sa/bench");
    private static final Map<String, String> FILES = Map.of("csi.spiffe.io/contents", "files");

    private ProxiedNode node;

    @BeforeEach
    void setUp() throws Exception {
        Privileges.assumeCanMountPrivately();
        node = ProxiedNode.start(List.of(new RegistrationEntry(
                Set.of(new WorkloadSelector("k8s", "ns:bench"), new WorkloadSelector("k8s", "sa:bench")),
                ID,
                Set.of())));
    }

    @AfterEach
    void tearDown() throws Exception {
        if (node != null) {
            node.close();
        }
    }

    @Test
    void printsTheFirstFileLatencyAndTheMemoryPerVolume() throws Exception {
        for (int i = 0; i < WARM_UP; i++) {
            firstFile();
            socketOnlyPublish();
        }
        List<Double> socketOnly = new ArrayList<>();
        for (int i = 0; i < RUNS; i++) {
            socketOnly.add(socketOnlyPublish());
        }
        List<Double> publish = new ArrayList<>();
        List<Double> firstRead = new ArrayList<>();
        for (int i = 0; i < RUNS; i++) {
            double[] millis = firstFile();
            publish.add(millis[0]);
            firstRead.add(millis[1]);
        }
        System.out.printf(
                "credential files, %d runs after %d warm-up: NodePublishVolume median %.2f ms (p90 %.2f ms); "
                        + "publish to first successful read of the credential bundle median %.2f ms (p90 %.2f ms); "
                        + "for comparison, NodePublishVolume of a socket-only volume median %.2f ms (p90 %.2f ms)%n",
                RUNS,
                WARM_UP,
                percentile(publish, 50),
                percentile(publish, 90),
                percentile(firstRead, 50),
                percentile(firstRead, 90),
                percentile(socketOnly, 50),
                percentile(socketOnly, 90));

        long heapBefore = heapAfterGc();
        long directBefore = directBytes();
        long rssBefore = residentKib();
        int threadsBefore = Thread.activeCount();
        List<Pod> pods = new ArrayList<>();
        for (int i = 0; i < VOLUMES; i++) {
            Pod pod = Pod.of("bench-" + i, "bench", "bench").withVolumeAttributes(FILES);
            readCredential(node.kubelet().publish(pod));
            pods.add(pod);
        }
        long heapAfter = heapAfterGc();
        long directAfter = directBytes();
        long rssAfter = residentKib();
        int threadsAfter = Thread.activeCount();
        System.out.printf(
                "credential files, %d volumes: heap after GC +%.1f KiB per volume, direct buffers +%.1f KiB "
                        + "per volume, resident set +%.1f KiB per volume, threads +%.2f per volume (driver and dev "
                        + "agent in one process)%n",
                VOLUMES,
                (heapAfter - heapBefore) / 1024.0 / VOLUMES,
                (directAfter - directBefore) / 1024.0 / VOLUMES,
                (rssAfter - rssBefore) / (double) VOLUMES,
                (threadsAfter - threadsBefore) / (double) VOLUMES);
        for (Pod pod : pods) {
            node.kubelet().unpublish(pod);
        }
        assertEquals(List.of(), Leftovers.mountsBelow(node.layout().podsDir()));
    }

    /** Milliseconds of the publish call of a volume with the socket alone. */
    private double socketOnlyPublish() throws Exception {
        Pod pod = Pod.of("socket-only", "bench", "bench");
        long start = System.nanoTime();
        node.kubelet().publish(pod);
        double millis = (System.nanoTime() - start) / 1e6;
        node.kubelet().unpublish(pod);
        return millis;
    }

    /** Milliseconds of the publish call, and from its start to the first successful read of the bundle. */
    private double[] firstFile() throws Exception {
        Pod pod = Pod.of("first-file", "bench", "bench").withVolumeAttributes(FILES);
        long start = System.nanoTime();
        Path target = node.kubelet().publish(pod);
        long published = System.nanoTime();
        while (true) {
            try {
                readCredential(target);
                break;
            } catch (IOException e) {
                Thread.onSpinWait(); // not there yet: the publish gave up waiting before the agent answered
            }
        }
        long read = System.nanoTime();
        node.kubelet().unpublish(pod);
        return new double[] {(published - start) / 1e6, (read - start) / 1e6};
    }

    private static void readCredential(Path target) throws Exception {
        String content = Files.readString(target.resolve(FileLayout.CREDENTIAL_BUNDLE));
        String certificate = content.substring(content.indexOf("-----BEGIN CERTIFICATE-----"));
        java.security.cert.X509Certificate leaf =
                (java.security.cert.X509Certificate) java.security.cert.CertificateFactory.getInstance("X.509")
                        .generateCertificate(new java.io.ByteArrayInputStream(
                                certificate.getBytes(java.nio.charset.StandardCharsets.US_ASCII)));
        assertEquals(ID.toString(), FilesTlsServer.uriSan(leaf));
    }

    private static long heapAfterGc() throws InterruptedException {
        for (int i = 0; i < 3; i++) {
            System.gc();
            Thread.sleep(100);
        }
        return ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
    }

    /** Native memory of direct byte buffers: each mount's request and reply buffers. */
    private static long directBytes() {
        return ManagementFactory.getPlatformMXBeans(BufferPoolMXBean.class).stream()
                .filter(pool -> pool.getName().equals("direct"))
                .mapToLong(BufferPoolMXBean::getMemoryUsed)
                .sum();
    }

    private static long residentKib() throws IOException {
        for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
            if (line.startsWith("VmRSS:")) {
                return Long.parseLong(line.replaceAll("\\D", ""));
            }
        }
        throw new IOException("no VmRSS in /proc/self/status");
    }

    private static double percentile(List<Double> values, int percent) {
        List<Double> sorted = new ArrayList<>(values);
        Collections.sort(sorted);
        return sorted.get(Math.min(sorted.size() - 1, sorted.size() * percent / 100));
    }
}
