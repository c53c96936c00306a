package dev.spiffecsi.dev.kubelet;

import dev.spiffecsi.config.ConfigException;
import dev.spiffecsi.dev.cli.CommandGroups;
import dev.spiffecsi.dev.cli.FlagValues;
import dev.spiffecsi.driver.cli.DescribedCommand;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import java.util.UUID;

/**
 * {@code kubelet-sim publish|unpublish}: one kubelet action for one pod against a running driver.
 *
 * <p>Flags: {@link #usage()}.
 *
 * {@code publish} prints the target path on standard output.
 */
public final class KubeletSimCommand extends DescribedCommand {

    private static final Set<String> FLAGS = Set.of(
            "csi-socket",
            "pods-dir",
            "pod-uid",
            "pod-name",
            "namespace",
            "service-account",
            "volume",
            "readonly",
            "max-attempts");
    private static final Set<String> ACTIONS = Set.of("publish", "unpublish");

    private static final String USAGE = """
        Usage: spiffe-csi-driver kubelet-sim publish|unpublish -csi-socket PATH -pods-dir DIR [flags]

        One kubelet action for one pod against a running driver: the kubelet's target path, volume id and pod
        info, retried with backoff. publish prints the target path on standard output.

          -csi-socket PATH        the driver's CSI socket (required)
          -pods-dir DIR           the driver's kubelet pods directory (required)
          -pod-uid UID            required to unpublish; publish makes one up when absent and prints it
          -pod-name NAME          default example-workload
          -namespace NAME         default default
          -service-account NAME   default default
          -volume NAME            default spiffe-workload-api
          -readonly true|false    default true
          -max-attempts N         default 6 (retries back off from 500 ms, doubling)
        """;

    public KubeletSimCommand() {
        super(
                "kubelet-sim",
                CommandGroups.DEVELOPMENT,
                "publish|unpublish one pod's volume exactly as the kubelet asks for it",
                USAGE);
    }

    @Override
    public int run(List<String> args, PrintStream out, PrintStream err) {
        FlagValues flags = FlagValues.parse(args, FLAGS, Set.of(), true);
        List<String> actions = flags.positional();
        if (actions.size() != 1 || !ACTIONS.contains(actions.getFirst())) {
            throw new ConfigException("kubelet-sim needs exactly one action, publish or unpublish, got " + actions);
        }
        boolean publish = actions.getFirst().equals("publish");
        String uid = publish ? flags.string("pod-uid", UUID.randomUUID().toString()) : flags.required("pod-uid");
        Pod pod;
        RetryPolicy retry;
        try {
            pod = new Pod(
                    flags.string("pod-name", "example-workload"),
                    flags.string("namespace", "default"),
                    uid,
                    flags.string("service-account", "default"),
                    flags.string("volume", Pod.DEFAULT_VOLUME_NAME),
                    flags.bool("readonly", true));
            RetryPolicy defaults = RetryPolicy.kubeletDefaults();
            retry = defaults.withMaxAttempts(flags.count("max-attempts", defaults.maxAttempts()));
        } catch (IllegalArgumentException e) {
            throw new ConfigException("flag value rejected: " + e.getMessage());
        }
        try (KubeletSimulator kubelet = KubeletSimulator.connect(
                Path.of(flags.required("csi-socket")),
                Path.of(flags.required("pods-dir")).toAbsolutePath(),
                retry)) {
            if (publish) {
                out.println(kubelet.publish(pod));
                if (!flags.isSet("pod-uid")) {
                    err.println("pod uid " + uid + " (pass -pod-uid " + uid + " to unpublish)");
                }
            } else {
                kubelet.unpublish(pod);
            }
            return 0;
        } catch (IOException | KubeletException e) {
            err.println("spiffe-csi-driver kubelet-sim: " + e.getMessage());
            return 1;
        }
    }
}
