package dev.spiffecsi.dev.agent;

import io.spiffe.spiffeid.SpiffeId;
import java.time.Instant;

/** A JWT-SVID as issued: the token (JWS compact serialization) and the times it states, to the second. */
record IssuedJwtSvid(SpiffeId spiffeId, String token, Instant issuedAt, Instant expiresAt) {}
