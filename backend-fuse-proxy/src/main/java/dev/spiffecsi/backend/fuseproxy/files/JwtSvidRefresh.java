package dev.spiffecsi.backend.fuseproxy.files;

import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import dev.spiffecsi.backend.fuseproxy.delegated.AgentClient;
import dev.spiffecsi.backend.fuseproxy.delegated.AgentStatus;
import dev.spiffecsi.backend.fuseproxy.delegated.Delegation;
import dev.spiffecsi.backend.fuseproxy.protocol.delegatedidentity.FetchJWTSVIDsResponse;
import dev.spiffecsi.backend.fuseproxy.volume.VolumeLabel;
import io.grpc.Context;
import io.grpc.Status;
import io.grpc.stub.StreamObserver;
import java.lang.System.Logger.Level;
import java.text.ParseException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

/**
 * Keeps one audience's JWT-SVID of a pod fresh: fetched from the agent at the start, again at half its lifetime
 * (as SPIRE's own clients refresh), with backoff after a failure, and dropped when it expires without a successor,
 * so that no expired token is served. Runs on the agent client's scheduler; no thread of its own.
 */
final class JwtSvidRefresh {

    /** What the files are told: the current token, or none, and why. */
    interface Listener {
        void onToken(String audience, Optional<String> token, String problem);
    }

    private static final Duration FIRST_RETRY = Duration.ofSeconds(1);
    private static final Duration MAX_RETRY = Duration.ofSeconds(30);

    private final String audience;
    private final Delegation pod;
    private final AgentClient agent;
    private final Clock clock;
    private final Listener listener;
    private final VolumeLabel volume;
    private final System.Logger log;

    private ScheduledFuture<?> next;
    private Instant expiresAt;
    private Duration retry = FIRST_RETRY;
    private boolean failing;
    private boolean stopped;

    JwtSvidRefresh(
            String audience,
            Delegation pod,
            AgentClient agent,
            Clock clock,
            Listener listener,
            VolumeLabel volume,
            System.Logger log) {
        this.audience = audience;
        this.pod = pod;
        this.agent = agent;
        this.clock = clock;
        this.listener = listener;
        this.volume = volume;
        this.log = log;
    }

    void start() {
        fetch();
    }

    synchronized void stop() {
        stopped = true;
        if (next != null) {
            next.cancel(false);
        }
    }

    private void fetch() {
        synchronized (this) {
            if (stopped) {
                return;
            }
        }
        // not in the caller's gRPC context (a CSI call's): the fetch must outlive the publish that started it
        Context.current()
                .fork()
                .run(() -> agent.fetchJwtSvids(pod, List.of(audience), new StreamObserver<>() {
                    @Override
                    public void onNext(FetchJWTSVIDsResponse answer) {
                        fetched(answer);
                    }

                    @Override
                    public void onError(Throwable t) {
                        failed(Status.fromThrowable(t));
                    }

                    @Override
                    public void onCompleted() {
                        // the one answer came with onNext
                    }
                }));
    }

    private synchronized void fetched(FetchJWTSVIDsResponse answer) {
        if (stopped) {
            return;
        }
        if (answer.getSvidsCount() == 0) {
            failed(Status.PERMISSION_DENIED.withDescription("no identity issued"));
            return;
        }
        String token = answer.getSvids(0).getToken(); // the default one, as the pod's X.509-SVID is
        Instant now = clock.instant();
        JWTClaimsSet claims;
        try {
            claims = SignedJWT.parse(token).getJWTClaimsSet();
        } catch (ParseException e) {
            failed(Status.INTERNAL.withDescription("the agent's JWT-SVID is not a signed JWT: " + e.getMessage()));
            return;
        }
        if (claims.getExpirationTime() == null
                || !claims.getExpirationTime().toInstant().isAfter(now)) {
            failed(Status.INTERNAL.withDescription("the agent's JWT-SVID has no expiry, or has expired"));
            return;
        }
        Instant issued =
                claims.getIssueTime() == null ? now : claims.getIssueTime().toInstant();
        expiresAt = claims.getExpirationTime().toInstant();
        Instant refreshAt = issued.plus(Duration.between(issued, expiresAt).dividedBy(2));
        if (failing) {
            log.log(Level.INFO, volume + ": the JWT-SVID for audience " + audience + " is served again");
        }
        failing = false;
        retry = FIRST_RETRY;
        listener.onToken(audience, Optional.of(token), "");
        schedule(Duration.between(now, refreshAt), this::fetch);
    }

    private synchronized void failed(Status status) {
        if (stopped) {
            return;
        }
        Instant now = clock.instant();
        String problem = "no JWT-SVID for audience \"" + audience + "\": the SPIRE agent answered " + status.getCode()
                + (status.getDescription() == null ? "" : " " + status.getDescription());
        if (!failing) {
            log.log(
                    AgentStatus.isAnswer(status) ? Level.INFO : Level.WARNING,
                    volume + ": " + problem + "; retrying with backoff");
        }
        failing = true;
        boolean valid = expiresAt != null && expiresAt.isAfter(now);
        if (!valid) {
            listener.onToken(audience, Optional.empty(), problem);
        }
        Duration wait = retry;
        retry = retry.multipliedBy(2).compareTo(MAX_RETRY) > 0 ? MAX_RETRY : retry.multipliedBy(2);
        if (valid && Duration.between(now, expiresAt).compareTo(wait) < 0) {
            // the token dies before the retry: drop it then, and retry right after
            schedule(Duration.between(now, expiresAt), this::expire);
        } else {
            schedule(wait, this::fetch);
        }
    }

    private void expire() {
        synchronized (this) {
            if (stopped) {
                return;
            }
            expiresAt = null;
            listener.onToken(
                    audience,
                    Optional.empty(),
                    "the JWT-SVID for audience \"" + audience + "\" expired before the SPIRE agent issued another");
        }
        fetch();
    }

    private void schedule(Duration delay, Runnable task) {
        next = agent.scheduler().schedule(task, Math.max(0, delay.toMillis()), TimeUnit.MILLISECONDS);
    }
}
