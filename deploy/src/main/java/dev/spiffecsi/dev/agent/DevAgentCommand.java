package dev.spiffecsi.dev.agent;

import dev.spiffecsi.config.ConfigException;
import dev.spiffecsi.dev.cli.FlagValues;
import io.spiffe.exception.InvalidSpiffeIdException;
import io.spiffe.spiffeid.TrustDomain;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Set;

/**
 * {@code dev-agent}: runs the {@link DevAgent} until SIGTERM or SIGINT.
 *
 * <pre>
 * -socket PATH          the Workload API socket to serve (required)
 * -trust-domain NAME    default example.org
 * -svid-ttl DURATION    default 10m; X.509-SVIDs are re-issued at half of it
 * -entries LIST         comma-separated unix:uid:UID=SPIFFE-ID; other callers get spiffe://TRUST-DOMAIN/workload
 * </pre>
 */
public final class DevAgentCommand {

    private static final Set<String> FLAGS = Set.of("socket", "trust-domain", "svid-ttl", "entries");

    private DevAgentCommand() {
    }

    public static int run(List<String> args, PrintStream err) {
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
            TrustDomain trustDomain = TrustDomain.parse(flags.string("trust-domain",
                    DevAgentSettings.DEFAULT_TRUST_DOMAIN.getName()));
            List<RegistrationEntry> entries = Arrays.stream(flags.string("entries", "").split(","))
                    .map(String::trim).filter(entry -> !entry.isEmpty()).map(RegistrationEntry::parse).toList();
            return new DevAgentSettings(Path.of(flags.required("socket")).toAbsolutePath(), trustDomain,
                    flags.duration("svid-ttl", DevAgentSettings.DEFAULT_SVID_TTL), entries);
        } catch (InvalidSpiffeIdException | IllegalArgumentException e) {
            throw new ConfigException("flag value rejected: " + e.getMessage());
        }
    }
}
