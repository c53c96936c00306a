package dev.spiffecsi.dev.workload;

import dev.spiffecsi.config.ConfigException;
import dev.spiffecsi.dev.cli.CommandGroups;
import dev.spiffecsi.dev.cli.FlagValues;
import dev.spiffecsi.driver.cli.DescribedCommand;
import io.spiffe.exception.SocketEndpointAddressException;
import io.spiffe.workloadapi.Address;
import io.spiffe.workloadapi.Watcher;
import io.spiffe.workloadapi.X509Context;
import java.io.PrintStream;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;

/**
 * {@code workload}: the example workload. Watches its X.509 context and prints every update in the
 * {@link X509ContextFormat} form.
 *
 * <p>Flags: {@link #usage()}.
 *
 * Exits 1 when the client gives up on the Workload API.
 */
public final class WorkloadCommand extends DescribedCommand {

    private static final String USAGE = """
        Usage: spiffe-csi-driver workload [flags]

        The example workload (the java-spiffe client): watches its X.509 context and prints every update.
        Exits 1 when the client gives up on the Workload API.

          -socket ADDRESS   the Workload API, unix:///path; default $SPIFFE_ENDPOINT_SOCKET
          -updates N        exit 0 after N updates; default 0, watch until interrupted
        """;

    public WorkloadCommand() {
        super(
                "workload",
                CommandGroups.DEVELOPMENT,
                "the example workload: prints every X.509 context update it receives",
                USAGE);
    }

    @Override
    public int run(List<String> args, PrintStream out, PrintStream err) {
        FlagValues flags = FlagValues.parse(args, Set.of("socket", "updates"), Set.of(), false);
        String address = flags.optional("socket")
                .or(() -> Optional.ofNullable(System.getenv(Address.SOCKET_ENV_VARIABLE)))
                .orElseThrow(() -> new ConfigException(
                        "flag -socket is required when " + Address.SOCKET_ENV_VARIABLE + " is not set"));
        int updates = flags.count("updates", 0);
        BlockingQueue<Object> events = new LinkedBlockingQueue<>();
        try (ExampleWorkload workload = ExampleWorkload.connect(address)) {
            workload.watch(new Watcher<>() {
                @Override
                public void onUpdate(X509Context update) {
                    events.add(update);
                }

                @Override
                public void onError(Throwable error) {
                    events.add(error);
                }
            });
            for (int received = 0; updates == 0 || received < updates; received++) {
                Object event = events.take();
                if (event instanceof Throwable error) {
                    err.println("spiffe-csi-driver workload: the Workload API client gave up: " + describe(error));
                    return 1;
                }
                out.print(X509ContextFormat.format((X509Context) event));
                out.flush();
            }
            return 0;
        } catch (SocketEndpointAddressException e) {
            throw new ConfigException("flag -socket: " + e.getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return 1;
        }
    }

    /** The client wraps the gRPC status a few levels deep, each level adding context: all of it is shown. */
    private static String describe(Throwable error) {
        StringBuilder text = new StringBuilder(String.valueOf(error.getMessage()));
        for (Throwable cause = error.getCause(); cause != null; cause = cause.getCause()) {
            text.append(": ").append(cause.getMessage());
        }
        return text.toString();
    }
}
