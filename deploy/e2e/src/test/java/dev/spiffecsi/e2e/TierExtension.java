package dev.spiffecsi.e2e;

import dev.spiffecsi.e2e.rig.RealNode;
import dev.spiffecsi.e2e.support.Progress;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.ParameterContext;
import org.junit.jupiter.api.extension.ParameterResolver;

/**
 * Gives the backends' test classes the one {@link Tier} of the run: started by the first class, closed by JUnit
 * after the last (a resource of the root context's store). Skips every class, saying why, where the tier cannot
 * run (no rig, not root); a tier that failed to start fails every class with that failure, started only once.
 */
final class TierExtension implements BeforeAllCallback, ParameterResolver {

    private static final ExtensionContext.Namespace NAMESPACE = ExtensionContext.Namespace.create(Tier.class);

    /**
     * The tier, or the failure that kept it from starting; JUnit closes it (a store value that is AutoCloseable)
     * when the root context ends, after the last class.
     */
    private record Session(Tier tier, RuntimeException failure) implements AutoCloseable {
        @Override
        public void close() {
            if (tier != null) {
                tier.close();
            }
        }
    }

    @Override
    public void beforeAll(ExtensionContext context) {
        RealNode.Availability availability = Tier.availability();
        if (availability.node().isEmpty()) {
            String message = "the realnode end-to-end tier is skipped: " + availability.whyNot();
            Progress.log(message);
            Assumptions.abort(message);
        }
        session(context);
    }

    @Override
    public boolean supportsParameter(ParameterContext parameter, ExtensionContext context) {
        return parameter.getParameter().getType() == Tier.class;
    }

    @Override
    public Object resolveParameter(ParameterContext parameter, ExtensionContext context) {
        return session(context).tier();
    }

    private static Session session(ExtensionContext context) {
        Session session = context.getRoot()
                .getStore(NAMESPACE)
                .getOrComputeIfAbsent(
                        Session.class,
                        key -> {
                            try {
                                return new Session(
                                        Tier.start(Tier.availability().node().orElseThrow()), null);
                            } catch (RuntimeException e) {
                                return new Session(null, e);
                            }
                        },
                        Session.class);
        if (session.failure() != null) {
            throw new IllegalStateException(
                    "the realnode tier could not start: " + session.failure().getMessage(), session.failure());
        }
        return session;
    }
}
