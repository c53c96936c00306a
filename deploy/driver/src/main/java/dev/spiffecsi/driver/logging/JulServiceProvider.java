package dev.spiffecsi.driver.logging;

import org.slf4j.ILoggerFactory;
import org.slf4j.IMarkerFactory;
import org.slf4j.helpers.BasicMarkerFactory;
import org.slf4j.helpers.NOPMDCAdapter;
import org.slf4j.spi.MDCAdapter;
import org.slf4j.spi.SLF4JServiceProvider;

/**
 * SLF4J to java.util.logging, where the backends' System.Logger and the JDK log too, so that {@link LogSetup}'s
 * one handler formats everything.
 *
 * <p>Why not slf4j-jdk14, which does the same: it fills in the caller's class and method for every record by
 * creating a Throwable and walking its stack trace, which the driver's log lines never print. With one log line per
 * CSI call that was the most frequent exception of a publish storm and a visible share of the driver's CPU per call
 * (JFR's jdk.JavaExceptionThrow, perf; BENCHMARKS.md). java.util.logging infers the caller only when a formatter asks for it.
 */
public final class JulServiceProvider implements SLF4JServiceProvider {

    /** The SLF4J API version this provider is written against. */
    public static final String REQUESTED_API_VERSION = "2.0.99";

    private ILoggerFactory loggers;
    private IMarkerFactory markers;
    private MDCAdapter mdc;

    @Override
    public ILoggerFactory getLoggerFactory() {
        return loggers;
    }

    @Override
    public IMarkerFactory getMarkerFactory() {
        return markers;
    }

    @Override
    public MDCAdapter getMDCAdapter() {
        return mdc;
    }

    @Override
    public String getRequestedApiVersion() {
        return REQUESTED_API_VERSION;
    }

    @Override
    public void initialize() {
        loggers = new JulLoggers();
        markers = new BasicMarkerFactory();
        mdc = new NOPMDCAdapter(); // the driver puts nothing in the MDC; its lines carry their fields
    }
}
