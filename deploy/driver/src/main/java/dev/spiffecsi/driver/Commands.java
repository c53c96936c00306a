package dev.spiffecsi.driver;

import dev.spiffecsi.driver.cli.Command;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.ServiceLoader;
import java.util.Set;

/**
 * The commands of this distribution: the driver's own, then those found with {@link ServiceLoader}. Discovery is
 * lazy, so {@code serve} never loads the development commands' classes even in the development distribution.
 */
final class Commands {

    /** Commands of the development distribution, named when the production driver is asked for one of them. */
    static final Set<String> DEVELOPMENT =
            Set.of("demo", "dev-agent", "kubelet-sim", "workload", "bench", "bench-startup");

    private final Map<String, Command> builtIn = new LinkedHashMap<>();
    private List<Command> discovered;

    Commands() {
        for (Command command : List.of(new ServeCommand(), new BackendsCommand(), new CheckConfigCommand())) {
            builtIn.put(command.name(), command);
        }
    }

    Optional<Command> find(String name) {
        Command command = builtIn.get(name);
        if (command != null) {
            return Optional.of(command);
        }
        return discovered().stream().filter(c -> c.name().equals(name)).findFirst();
    }

    List<Command> builtIn() {
        return List.copyOf(builtIn.values());
    }

    /** The commands found with ServiceLoader, in class path order, minus any that shadow a built-in name. */
    List<Command> discovered() {
        if (discovered == null) {
            List<Command> found = new ArrayList<>();
            for (Command command : ServiceLoader.load(Command.class, Commands.class.getClassLoader())) {
                if (!builtIn.containsKey(command.name())
                        && found.stream().noneMatch(c -> c.name().equals(command.name()))) {
                    found.add(command);
                }
            }
            discovered = List.copyOf(found);
        }
        return discovered;
    }
}
