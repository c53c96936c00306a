package dev.spiffecsi.dev.agent;

import dev.spiffecsi.config.ConfigException;
import dev.spiffecsi.dev.cli.CommandGroups;
import dev.spiffecsi.dev.cli.FlagValues;
import dev.spiffecsi.driver.cli.DescribedCommand;
import io.spiffe.exception.InvalidSpiffeIdException;
import io.spiffe.spiffeid.SpiffeId;
import io.spiffe.spiffeid.TrustDomain;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import java.util.function.Function;

/**
 * {@code dev-agent}: runs the {@link DevAgent} until SIGTERM or SIGINT.
 *
 * <p>Flags: {@link #usage()}.
 */
public final class DevAgentCommand extends DescribedCommand {

    private static final Set<String> FLAGS = Set.of(
            "socket",
            "trust-domain",
            "svid-ttl",
            "entries",
            "federated-domains",
            "admin-socket",
            "authorized-delegates");

    private static final String USAGE = """
        Usage: spiffe-csi-driver dev-agent -socket PATH [flags]

        A SPIFFE Workload API server for demos and tests, never for production: real X.509 (EC P-256) and JWT
        (ES256) SVIDs from an in-memory CA. Runs until SIGTERM or SIGINT.

          -socket PATH                the Workload API socket to serve (required)
          -trust-domain NAME          default example.org
          -svid-ttl DURATION          default 10m; X.509-SVIDs are re-issued at half of it
          -entries LIST               comma-separated SELECTOR[+SELECTOR...]=SPIFFE-ID[;federates-with=DOMAIN[+DOMAIN...]],
                                      selectors unix:uid:UID, k8s:pod-uid:UID, k8s:ns:NS, k8s:sa:SA; callers no entry
                                      matches get spiffe://TRUST-DOMAIN/workload
          -federated-domains LIST     comma-separated trust domains whose bundles the agent also hands out
          -admin-socket PATH          serve SPIRE's Delegated Identity API there (needs -authorized-delegates)
          -authorized-delegates LIST  comma-separated SPIFFE IDs allowed on the admin socket; a caller is attested as
                                      on the Workload API socket, e.g. unix:uid:0=spiffe://example.org/spiffe-csi-driver
        """;

    public DevAgentCommand() {
        super(
                "dev-agent",
                CommandGroups.DEVELOPMENT,
                "a SPIFFE Workload API server issuing real SVIDs from an in-memory CA",
                USAGE);
    }

    @Override
    public int run(List<String> args, PrintStream out, PrintStream err) {
        DevAgentSettings settings = settings(args);
        DevAgent agent;
        try {
            agent = DevAgent.start(settings);
        } catch (IOException e) {
            err.println("spiffe-csi-driver dev-agent: " + e.getMessage());
            return 1;
        }
        Runtime.getRuntime().addShutdownHook(new Thread(agent::close, "dev-agent-shutdown"));
        try {
            agent.awaitTermination();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        return 0;
    }

    static DevAgentSettings settings(List<String> args) {
        FlagValues flags = FlagValues.parse(args, FLAGS, Set.of(), false);
        try {
            TrustDomain trustDomain =
                    TrustDomain.parse(flags.string("trust-domain", DevAgentSettings.DEFAULT_TRUST_DOMAIN.getName()));
            return new DevAgentSettings(
                    Path.of(flags.required("socket")).toAbsolutePath(),
                    trustDomain,
                    flags.duration("svid-ttl", DevAgentSettings.DEFAULT_SVID_TTL),
                    list(flags, "entries", RegistrationEntry::parse),
                    list(flags, "federated-domains", TrustDomain::parse),
                    flags.optional("admin-socket")
                            .filter(path -> !path.isEmpty())
                            .map(path -> Path.of(path).toAbsolutePath())
                            .orElse(null),
                    list(flags, "authorized-delegates", SpiffeId::parse));
        } catch (InvalidSpiffeIdException | IllegalArgumentException e) {
            throw new ConfigException("flag value rejected: " + e.getMessage());
        }
    }

    /** A comma-separated flag value; blanks around the items are ignored. */
    private static <T> List<T> list(FlagValues flags, String name, Function<String, T> parser) {
        return Arrays.stream(flags.string(name, "").split(","))
                .map(String::trim)
                .filter(item -> !item.isEmpty())
                .map(parser)
                .toList();
    }
}
