package dev.spiffecsi.dev.agent;

import io.spiffe.spiffeid.SpiffeId;
import java.security.PrivateKey;
import java.security.cert.X509Certificate;

/** An X.509-SVID as issued: the leaf certificate (signed directly by the CA) and its private key. */
record IssuedX509Svid(SpiffeId spiffeId, X509Certificate certificate, PrivateKey privateKey) {}
