package dev.spiffecsi.backend.fuseproxy.files;

import com.google.protobuf.ByteString;
import dev.spiffecsi.backend.fuseproxy.delegated.AgentClient;
import dev.spiffecsi.backend.fuseproxy.delegated.BundleFeed;
import dev.spiffecsi.backend.fuseproxy.delegated.Delegation;
import dev.spiffecsi.backend.fuseproxy.delegated.Resubscription;
import dev.spiffecsi.backend.fuseproxy.delegated.TrustDomainIds;
import dev.spiffecsi.backend.fuseproxy.fuse.FileSet;
import dev.spiffecsi.backend.fuseproxy.fuse.ServedFiles;
import dev.spiffecsi.backend.fuseproxy.protocol.delegatedidentity.SubscribeToX509SVIDsResponse;
import dev.spiffecsi.backend.fuseproxy.protocol.delegatedidentity.X509SVIDWithKey;
import dev.spiffecsi.backend.fuseproxy.volume.VolumeLabel;
import io.grpc.Status;
import java.lang.System.Logger.Level;
import java.security.cert.CertificateException;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;
import java.util.function.Consumer;

/**
 * One volume's credential files, kept up to date: the pod's X.509-SVIDs subscribed to by its selectors (whatever
 * the identity mode of the socket: files have no calling process), the agent's shared bundle feeds, and a
 * {@link JwtSvidRefresh} per audience. Every change makes a new {@link FileSet} that replaces the served one whole.
 * No thread of its own: updates arrive on the agent client's threads.
 *
 * <p>Files are served only while the pod has an X.509-SVID and its trust domain's bundle is known: before the first
 * SVID, or when the agent has no entry for the pod, the volume holds no file at all (reads fail with ENOENT), and
 * {@link #problem} says why.
 */
public final class PodFiles implements AutoCloseable {

    private final VolumeLabel volume;
    private final Delegation pod;
    private final FileOptions options;
    private final BundleFeed x509Feed;
    private final BundleFeed jwtFeed;
    private final ServedFiles served;
    private final Clock clock;
    private final System.Logger log;
    private final FileComposer composer;
    private final Resubscription<SubscribeToX509SVIDsResponse> svids;
    private final List<JwtSvidRefresh> tokens = new ArrayList<>();
    private final Consumer<Map<String, ByteString>> x509Watcher = this::onX509Bundles;
    private final Consumer<Map<String, ByteString>> jwtWatcher = this::onJwtBundles;
    private final CompletableFuture<Void> complete = new CompletableFuture<>();

    private SubscribeToX509SVIDsResponse latest;
    private Map<String, ByteString> x509Bundles;
    /** Empty until the agent's JWT bundles first arrive. */
    private Map<String, ByteString> jwtBundles;

    private final Map<String, String> jwtSvids = new LinkedHashMap<>();
    private final Map<String, String> tokenProblems = new LinkedHashMap<>();
    private String compositionProblem = "";
    private boolean closed;

    private PodFiles(
            VolumeLabel volume,
            Delegation pod,
            FileOptions options,
            AgentClient agent,
            BundleFeed x509Feed,
            BundleFeed jwtFeed,
            ServedFiles served,
            Clock clock,
            System.Logger log) {
        this.volume = volume;
        this.pod = pod;
        this.options = options;
        this.x509Feed = x509Feed;
        this.jwtFeed = jwtFeed;
        this.served = served;
        this.clock = clock;
        this.log = log;
        this.composer = new FileComposer(options);
        this.svids = new Resubscription<>(
                "the X.509-SVIDs of " + pod + " (credential files of " + volume + ")",
                updates -> agent.subscribeToX509Svids(pod, updates),
                new Resubscription.Listener<>() {
                    @Override
                    public void onUpdate(SubscribeToX509SVIDsResponse update) {
                        onSvids(update);
                    }

                    @Override
                    public void onFailure(Status status) {
                        throw new IllegalStateException("a KEEP_TRYING subscription does not fail: " + status);
                    }
                },
                Resubscription.Policy.KEEP_TRYING,
                agent,
                log);
        for (String audience : options.jwtAudiences()) {
            tokens.add(new JwtSvidRefresh(audience, pod, agent, clock, this::onToken, volume, log));
            tokenProblems.put(audience, "no JWT-SVID for audience \"" + audience + "\" yet");
        }
    }

    /**
     * Starts serving the files of {@code pod} into {@code served} as the agent issues them.
     *
     * @param pod named by selectors: the pod's own, from the kubelet's pod info
     */
    public static PodFiles start(
            VolumeLabel volume,
            Delegation.BySelectors pod,
            FileOptions options,
            AgentClient agent,
            BundleFeed x509Bundles,
            BundleFeed jwtBundles,
            ServedFiles served,
            Clock clock,
            System.Logger log) {
        PodFiles files = new PodFiles(volume, pod, options, agent, x509Bundles, jwtBundles, served, clock, log);
        files.svids.start();
        x509Bundles.watch(files.x509Watcher);
        jwtBundles.watch(files.jwtWatcher);
        files.tokens.forEach(JwtSvidRefresh::start);
        return files;
    }

    /**
     * Completes once every file asked for has been served: the credentials, the bundles (X.509 and JWT) and each
     * audience's token.
     */
    public CompletableFuture<Void> complete() {
        return complete;
    }

    /** Why the volume does not hold every file it should now; empty when it does. */
    public synchronized Optional<String> problem() {
        if (latest == null) {
            return Optional.of("no credential files yet: waiting for the SPIRE agent's first X.509-SVID for " + pod
                    + " (reads get ENOENT until then)");
        }
        if (latest.getX509SvidsCount() == 0) {
            return Optional.of("no credential files: the SPIRE agent has no identity for " + pod
                    + " (no registration entry matches these selectors; reads get ENOENT)");
        }
        String own = ownTrustDomain(latest.getX509Svids(0));
        if (x509Bundles == null || !x509Bundles.containsKey(own)) {
            return Optional.of("no credential files yet: waiting for the SPIRE agent's X.509 bundle of " + own
                    + " (reads get ENOENT until then)");
        }
        if (jwtBundles == null) {
            return Optional.of("waiting for the SPIRE agent's JWT bundles (their files are missing until then)");
        }
        if (!compositionProblem.isEmpty()) {
            return Optional.of(compositionProblem);
        }
        Instant expiry =
                Instant.ofEpochSecond(latest.getX509Svids(0).getX509Svid().getExpiresAt());
        if (latest.getX509Svids(0).getX509Svid().getExpiresAt() > 0 && !expiry.isAfter(clock.instant())) {
            return Optional.of("the X.509-SVID in the credential files expired at " + expiry + " and the SPIRE "
                    + "agent has sent no other");
        }
        return tokenProblems.values().stream()
                .filter(problem -> !problem.isEmpty())
                .findFirst();
    }

    private synchronized void onSvids(SubscribeToX509SVIDsResponse update) {
        if (latest != null && latest.getX509SvidsCount() > 0 && update.getX509SvidsCount() == 0) {
            log.log(
                    Level.WARNING,
                    volume + ": the SPIRE agent no longer issues an identity for " + pod
                            + "; its credential files are removed");
        }
        latest = update;
        recompose();
    }

    private synchronized void onX509Bundles(Map<String, ByteString> bundles) {
        x509Bundles = bundles;
        recompose();
    }

    private synchronized void onJwtBundles(Map<String, ByteString> bundles) {
        jwtBundles = bundles;
        recompose();
    }

    private synchronized void onToken(String audience, Optional<String> token, String problem) {
        if (token.isPresent()) {
            jwtSvids.put(audience, token.get());
        } else {
            jwtSvids.remove(audience);
        }
        tokenProblems.put(audience, problem);
        recompose();
    }

    /** Serves the files of what is known now; none while the pod has no SVID or its bundle is unknown. */
    private void recompose() {
        if (closed) {
            return;
        }
        Optional<CredentialSnapshot> snapshot = snapshot();
        if (snapshot.isEmpty()) {
            served.replace(FileSet.EMPTY);
            return;
        }
        FileSet next;
        try {
            next = composer.compose(snapshot.get(), served.current(), clock.instant());
        } catch (CertificateException | RuntimeException e) {
            String problem = "cannot make the credential files from what the SPIRE agent sent: " + e.getMessage();
            if (!problem.equals(compositionProblem)) {
                log.log(Level.ERROR, volume + ": " + problem + " (for " + pod + "); the files served before stay", e);
            }
            compositionProblem = problem;
            return;
        }
        compositionProblem = "";
        served.replace(next);
        if (!complete.isDone() && jwtBundles != null && jwtSvids.keySet().containsAll(options.jwtAudiences())) {
            complete.complete(null);
        }
    }

    private Optional<CredentialSnapshot> snapshot() {
        if (latest == null || latest.getX509SvidsCount() == 0 || x509Bundles == null) {
            return Optional.empty();
        }
        X509SVIDWithKey svid = latest.getX509Svids(0); // the default SVID: the first the agent lists
        String own = ownTrustDomain(svid);
        if (!x509Bundles.containsKey(own)) {
            return Optional.empty();
        }
        List<String> trustDomains = new ArrayList<>(List.of(own));
        if (options.federatedBundles()) {
            for (String federated : new TreeSet<>(latest.getFederatesWithList())) {
                String id = TrustDomainIds.of(federated);
                if (!trustDomains.contains(id) && x509Bundles.containsKey(id)) {
                    trustDomains.add(id);
                }
            }
        }
        return Optional.of(new CredentialSnapshot(
                svid, trustDomains, x509Bundles, jwtBundles == null ? Map.of() : jwtBundles, jwtSvids));
    }

    /** The trust domain ID of {@code svid}: the one bundle the credential files cannot be served without. */
    private static String ownTrustDomain(X509SVIDWithKey svid) {
        return TrustDomainIds.of(svid.getX509Svid().getId().getTrustDomain());
    }

    /** Stops the subscriptions and the token refreshes; the files stay served until the mount goes. */
    @Override
    public void close() {
        synchronized (this) {
            closed = true;
        }
        svids.cancel();
        x509Feed.unwatch(x509Watcher);
        jwtFeed.unwatch(jwtWatcher);
        tokens.forEach(JwtSvidRefresh::stop);
        complete.cancel(false);
    }
}
