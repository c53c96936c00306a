package dev.spiffecsi.driver;

import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.spi.Configurator;
import ch.qos.logback.classic.spi.ConfiguratorRank;
import ch.qos.logback.core.spi.ContextAwareBase;
import dev.spiffecsi.config.LogSettings;

/**
 * Logback's configuration until the driver's own settings are known: info, text, on standard error. Set up in
 * code because parsing a logback.xml costs about 200 ms and hundreds of classes at every start, only for
 * {@link LogSetup} to replace it a moment later.
 */
@ConfiguratorRank(ConfiguratorRank.CUSTOM_HIGH_PRIORITY)
public final class DefaultLogConfigurator extends ContextAwareBase implements Configurator {

    @Override
    public ExecutionStatus configure(LoggerContext context) {
        LogSetup.configure(context, new LogSettings("info", LogSettings.Format.TEXT));
        return ExecutionStatus.DO_NOT_INVOKE_NEXT_IF_ANY;
    }
}
