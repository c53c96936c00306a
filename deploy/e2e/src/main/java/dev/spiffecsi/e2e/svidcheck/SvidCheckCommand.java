package dev.spiffecsi.e2e.svidcheck;

import dev.spiffecsi.config.ConfigException;
import dev.spiffecsi.dev.cli.CommandGroups;
import dev.spiffecsi.dev.cli.FlagValues;
import dev.spiffecsi.driver.cli.DescribedCommand;
import io.spiffe.exception.SocketEndpointAddressException;
import io.spiffe.spiffeid.SpiffeId;
import io.spiffe.workloadapi.Address;
import io.spiffe.workloadapi.DefaultWorkloadApiClient;
import io.spiffe.workloadapi.WorkloadApiClient;
import java.io.IOException;
import java.io.PrintStream;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * {@code svid-check}: fetches the caller's SVIDs through a Workload API socket once and verifies them, one line per
 * check ({@link SvidChecks}). The end-to-end tier runs it with {@code kubectl exec} in a workload pod, so that
 * everything goes through the pod's CSI volume as the pod's own process: the fuse-proxy backend answers each
 * caller with the identity the agent issues for that process.
 *
 * <p>Not part of any distribution: the tier's example workload image adds this module's jar to the development
 * distribution's {@code plugins/}, where the launcher's {@link java.util.ServiceLoader} finds it.
 */
public final class SvidCheckCommand extends DescribedCommand {

    static final String DEFAULT_AUDIENCE = "spiffe-csi-e2e";

    private static final String USAGE = """
        Usage: spiffe-csi-driver svid-check [flags]

        Fetches this process's X.509-SVID and a JWT-SVID through the Workload API once and verifies them: the X.509
        chain against the X.509 bundle of its trust domain; the JWT-SVID's signature, audience and expiry against
        the JWT bundle of its trust domain; the JWT-SVID again through the Workload API's ValidateJWTSVID. Prints
        one line per check, PASS or FAIL; exits 0 when every check passes, 1 otherwise.

          -socket ADDRESS      the Workload API, unix:///path; default $SPIFFE_ENDPOINT_SOCKET
          -audience AUDIENCE   the JWT-SVID's audience; default spiffe-csi-e2e
          -expect-id ID        fail unless both SVIDs are for this SPIFFE ID
        """;

    public SvidCheckCommand() {
        super(
                "svid-check",
                CommandGroups.DEVELOPMENT,
                "verifies this process's X.509- and JWT-SVIDs once through the Workload API (end-to-end tier)",
                USAGE);
    }

    @Override
    public int run(List<String> args, PrintStream out, PrintStream err) {
        FlagValues flags = FlagValues.parse(args, Set.of("socket", "audience", "expect-id"), Set.of(), false);
        String address = flags.optional("socket")
                .or(() -> Optional.ofNullable(System.getenv(Address.SOCKET_ENV_VARIABLE)))
                .orElseThrow(() -> new ConfigException(
                        "flag -socket is required when " + Address.SOCKET_ENV_VARIABLE + " is not set"));
        Optional<SpiffeId> expected;
        try {
            expected = flags.optional("expect-id").map(SpiffeId::parse);
        } catch (IllegalArgumentException e) {
            throw new ConfigException("flag -expect-id: " + e.getMessage());
        }
        try (WorkloadApiClient client =
                DefaultWorkloadApiClient.newClient(DefaultWorkloadApiClient.ClientOptions.builder()
                        .spiffeSocketPath(address)
                        .build())) {
            List<CheckResult> results =
                    new SvidChecks(client, flags.string("audience", DEFAULT_AUDIENCE), expected).run();
            results.forEach(result -> out.println(result.line()));
            out.flush();
            return results.stream().allMatch(CheckResult::passed) ? EXIT_OK : EXIT_FAILURE;
        } catch (SocketEndpointAddressException e) {
            throw new ConfigException("flag -socket: " + e.getMessage());
        } catch (IOException e) {
            err.println("spiffe-csi-driver svid-check: cannot close the Workload API client: " + e.getMessage());
            return EXIT_FAILURE;
        }
    }
}
