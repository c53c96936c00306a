package dev.spiffecsi.driver.cli;

/** A {@link Command} whose name, group, summary and usage are fixed when it is made; subclasses add {@code run}. */
public abstract class DescribedCommand implements Command {

    private final String name;
    private final String group;
    private final String summary;
    private final String usage;

    protected DescribedCommand(String name, String group, String summary, String usage) {
        this.name = name;
        this.group = group;
        this.summary = summary;
        this.usage = usage;
    }

    @Override
    public final String name() {
        return name;
    }

    @Override
    public final String group() {
        return group;
    }

    @Override
    public final String summary() {
        return summary;
    }

    @Override
    public final String usage() {
        return usage;
    }
}
