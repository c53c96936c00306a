package dev.spiffecsi.backend.fuseproxy.testing;

import dev.spiffecsi.backend.fuseproxy.protocol.workload.X509SVID;
import dev.spiffecsi.backend.fuseproxy.protocol.workload.X509SVIDResponse;
import io.grpc.StatusRuntimeException;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;

/**
 * A workload in another process (another pid): waits for a line on standard input (so that the test can register
 * its pid first), fetches its X.509-SVIDs from the socket given as the argument, and prints one line per SVID,
 * {@code spiffe_id=<id>}, then {@code federated=<trust domain IDs>}; or, refused, {@code status=<code>} and
 * {@code description=<description>}.
 */
public final class ForkedWorkloadClient {

    private ForkedWorkloadClient() {}

    public static void main(String[] args) throws Exception {
        new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8)).readLine();
        try (WorkloadClient client = WorkloadClient.connect(Path.of(args[0]))) {
            X509SVIDResponse response = client.fetchX509Svid();
            for (X509SVID svid : response.getSvidsList()) {
                System.out.println("spiffe_id=" + svid.getSpiffeId());
            }
            System.out.println("federated=" + response.getFederatedBundlesMap().keySet());
        } catch (StatusRuntimeException e) {
            System.out.println("status=" + e.getStatus().getCode());
            System.out.println("description=" + e.getStatus().getDescription());
            System.exit(1);
        }
        System.exit(0);
    }
}
