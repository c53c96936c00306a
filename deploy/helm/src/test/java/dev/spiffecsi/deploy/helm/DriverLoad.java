package dev.spiffecsi.deploy.helm;

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
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/** A driver container's configuration as the driver loads it: its arguments through the CLI's flags, the file
 * --config names from the ConfigMap mounted there, its literal SPIFFE_CSI_* environment. */
record DriverLoad(List<String> args, String hocon, LoadedConfig config) {

    static final Flags CLI_FLAGS;

    static {
        Set<String> valued = new HashSet<>(DriverFlags.ORDERED);
        valued.add(DriverFlags.CONFIG);
        CLI_FLAGS = new Flags(valued, Set.of());
    }

    static DriverLoad of(Objects rendered, JsonNode workload, Path scratch) {
        JsonNode pod = Objects.podSpec(workload);
        JsonNode container = Objects.named(pod.path("containers"), "spiffe-csi-driver");
        List<String> args = Objects.strings(container.path("args"));
        Flags.Parsed flags = CLI_FLAGS.parse(args);
        if (!flags.positional().isEmpty()) {
            throw new AssertionError(rendered.source() + ": positional arguments " + flags.positional());
        }
        String hocon = "";
        Optional<Path> file = Optional.empty();
        String configPath = flags.values().get(DriverFlags.CONFIG);
        if (configPath != null) {
            Path path = Path.of(configPath);
            JsonNode mount = null;
            for (JsonNode m : container.path("volumeMounts")) {
                if (Path.of(m.path("mountPath").asText()).equals(path.getParent())) {
                    mount = m;
                }
            }
            if (mount == null) {
                throw new AssertionError(rendered.source() + ": nothing is mounted at " + path.getParent());
            }
            String configMap = Objects.named(
                            pod.path("volumes"), mount.path("name").asText())
                    .path("configMap")
                    .path("name")
                    .asText();
            hocon = rendered.one("ConfigMap", configMap)
                    .path("data")
                    .path(path.getFileName().toString())
                    .asText();
            try {
                Path copy = Files.writeString(scratch.resolve("driver-" + System.nanoTime() + ".conf"), hocon);
                file = Optional.of(copy);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        Map<String, String> environment = new HashMap<>();
        for (JsonNode variable : container.path("env")) {
            if (variable.has("value")) {
                environment.put(
                        variable.path("name").asText(), variable.path("value").asText());
            }
        }
        environment.put("MY_NODE_NAME", "node-1");
        LoadedConfig config = ConfigLoader.load(new ConfigSources(
                DriverFlags.overrides(flags),
                environment,
                file,
                Thread.currentThread().getContextClassLoader()));
        return new DriverLoad(args, hocon, config);
    }
}
