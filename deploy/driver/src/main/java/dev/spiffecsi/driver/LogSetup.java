package dev.spiffecsi.driver;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.encoder.JsonEncoder;
import ch.qos.logback.classic.encoder.PatternLayoutEncoder;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.ConsoleAppender;
import ch.qos.logback.core.encoder.Encoder;
import dev.spiffecsi.config.LogSettings;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Applies the configured level and format (text or JSON lines) to logback, on standard error. */
final class LogSetup {

    private LogSetup() {
    }

    static void apply(LogSettings settings) {
        LoggerContext context = (LoggerContext) LoggerFactory.getILoggerFactory();
        context.reset();
        configure(context, settings);
    }

    /** Sets up {@code context}, which has no appender yet, with a console appender on standard error. */
    static void configure(LoggerContext context, LogSettings settings) {
        Encoder<ILoggingEvent> encoder;
        if (settings.format() == LogSettings.Format.JSON) {
            JsonEncoder json = new JsonEncoder();
            json.setWithSequenceNumber(false);
            json.setWithNanoseconds(false);
            json.setWithContext(false);
            // log pipelines want the rendered line, not the SLF4J pattern and its arguments apart
            json.setWithFormattedMessage(true);
            json.setWithMessage(false);
            json.setWithArguments(false);
            encoder = json;
        } else {
            PatternLayoutEncoder text = new PatternLayoutEncoder();
            text.setPattern("%d{yyyy-MM-dd'T'HH:mm:ss.SSSXXX} %-5level %logger{24} - %msg%n");
            encoder = text;
        }
        encoder.setContext(context);
        encoder.start();
        ConsoleAppender<ILoggingEvent> appender = new ConsoleAppender<>();
        appender.setContext(context);
        appender.setName("stderr");
        appender.setTarget("System.err");
        appender.setEncoder(encoder);
        appender.start();
        ch.qos.logback.classic.Logger root = context.getLogger(Logger.ROOT_LOGGER_NAME);
        root.addAppender(appender);
        root.setLevel(Level.toLevel(settings.level(), Level.INFO));
        // netty and grpc are chatty below info and say nothing an operator of this driver can act on
        context.getLogger("io.grpc.netty").setLevel(Level.INFO);
    }
}
