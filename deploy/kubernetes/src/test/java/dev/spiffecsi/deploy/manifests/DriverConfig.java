package dev.spiffecsi.deploy.manifests;

import com.fasterxml.jackson.databind.JsonNode;
import dev.spiffecsi.config.ConfigLoader;
import dev.spiffecsi.config.ConfigSources;
import dev.spiffecsi.config.DriverFlags;
import dev.spiffecsi.config.Flags;
import dev.spiffecsi.config.LoadedConfig;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A driver container's configuration as the driver would load it: its arguments through the CLI's flag parser,
 * its HOCON file from the ConfigMap mounted where --config points, its literal environment, and the node name
 * the kubelet would put in MY_NODE_NAME.
 */
record DriverConfig(
        DriverDeployment deployment,
        PodSpec pod,
        JsonNode container,
        List<String> args,
        Flags.Parsed flags,
        String hocon,
        Path configFile,
        Map<String, String> environment,
        LoadedConfig config) {

    static final String NODE = "node-1";
    static final String CONTAINER = "spiffe-csi-driver";

    /** The CLI's flags, as dev.spiffecsi.driver.DriverConfiguration declares them. */
    static final Flags CLI_FLAGS;

    static {
        Set<String> valued = new HashSet<>(DriverFlags.ORDERED);
        valued.add(DriverFlags.CONFIG);
        CLI_FLAGS = new Flags(valued, Set.of());
    }

    static DriverConfig load(DriverDeployment deployment, Path scratch) {
        Rendered rendered = deployment.rendered();
        PodSpec pod = deployment.pod();
        JsonNode container = pod.container(CONTAINER);
        List<String> args = PodSpec.args(container);
        Flags.Parsed flags = CLI_FLAGS.parse(args);
        if (!flags.positional().isEmpty()) {
            throw new AssertionError(deployment + ": unexpected positional arguments " + flags.positional());
        }
        String hocon = configFileContent(rendered, pod, container, flags);
        Path file = scratch.resolve("driver.conf");
        try {
            Files.writeString(file, hocon);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        Map<String, String> environment = new LinkedHashMap<>(PodSpec.literalEnv(container));
        environment.put("MY_NODE_NAME", NODE);
        LoadedConfig config = ConfigLoader.load(new ConfigSources(
                DriverFlags.overrides(flags),
                environment,
                Optional.of(file),
                Thread.currentThread().getContextClassLoader()));
        return new DriverConfig(deployment, pod, container, args, flags, hocon, file, environment, config);
    }

    /** The file --config names: a key of the ConfigMap mounted at its directory. */
    static String configFileContent(Rendered rendered, PodSpec pod, JsonNode container, Flags.Parsed flags) {
        String configPath = flags.values().get(DriverFlags.CONFIG);
        if (configPath == null) {
            throw new AssertionError(pod.owner() + ": the driver is not given --config");
        }
        Path path = Path.of(configPath);
        JsonNode mount = PodSpec.mounts(container).stream()
                .filter(m -> Path.of(m.path("mountPath").asText()).equals(path.getParent()))
                .findFirst()
                .orElseThrow(() -> new AssertionError(pod.owner() + ": nothing is mounted at " + path.getParent()));
        String configMapName = pod.volume(mount.path("name").asText())
                .path("configMap")
                .path("name")
                .asText();
        JsonNode configMap = rendered.one("ConfigMap", configMapName);
        JsonNode content = configMap.path("data").path(path.getFileName().toString());
        if (!content.isTextual()) {
            throw new AssertionError("ConfigMap " + configMapName + " has no key " + path.getFileName());
        }
        return content.asText();
    }

    /** The command line for {@code check-config}: the container's arguments with --config at the scratch copy,
     * the container's SPIFFE_CSI_* variables as the flags they stand for, and the node id. */
    List<String> checkConfigCommand() {
        List<String> command = new java.util.ArrayList<>();
        command.add("check-config");
        for (int i = 0; i < args.size(); i++) {
            String arg = args.get(i);
            if ((arg.equals("--config") || arg.equals("-config")) && i + 1 < args.size()) {
                command.add(arg);
                command.add(configFile.toString());
                i++;
            } else if (arg.startsWith("--config=") || arg.startsWith("-config=")) {
                command.add("--config=" + configFile);
            } else {
                command.add(arg);
            }
        }
        for (Map.Entry<String, String> variable : PodSpec.literalEnv(container).entrySet()) {
            if (!variable.getKey().startsWith("SPIFFE_CSI_")) {
                continue;
            }
            String flag = DriverFlags.KEYS.entrySet().stream()
                    .filter(e ->
                            ConfigLoader.environmentVariableFor(e.getValue()).equals(variable.getKey()))
                    .map(Map.Entry::getKey)
                    .findFirst()
                    .orElseThrow(() -> new AssertionError(variable.getKey() + " has no flag to pass it as"));
            command.add("--" + flag);
            command.add(variable.getValue());
        }
        command.add("-node-id");
        command.add(NODE);
        return command;
    }

    /** The string value of {@code key = "..."} in an HCL (SPIRE) configuration. */
    static Optional<String> hclString(String conf, String key) {
        Matcher m = Pattern.compile("(?m)^\\s*" + Pattern.quote(key) + "\\s*=\\s*\"([^\"]*)\"")
                .matcher(conf);
        return m.find() ? Optional.of(m.group(1)) : Optional.empty();
    }

    /** The strings of {@code key = ["...", ...]} in an HCL (SPIRE) configuration. */
    static List<String> hclStrings(String conf, String key) {
        Matcher m = Pattern.compile("(?m)^\\s*" + Pattern.quote(key) + "\\s*=\\s*\\[([^\\]]*)\\]")
                .matcher(conf);
        if (!m.find()) {
            return List.of();
        }
        return Pattern.compile("\"([^\"]*)\"")
                .matcher(m.group(1))
                .results()
                .map(r -> r.group(1))
                .toList();
    }

    /** The SPIRE agent's agent.conf in {@code rendered} (from the ConfigMap its DaemonSet mounts). */
    static String agentConf(Rendered rendered) {
        PodSpec agent =
                Rendered.podSpec(rendered.one("DaemonSet", "spire-agent")).orElseThrow();
        String configMap =
                agent.volume("spire-config").path("configMap").path("name").asText();
        return rendered.one("ConfigMap", configMap)
                .path("data")
                .path("agent.conf")
                .asText();
    }
}
