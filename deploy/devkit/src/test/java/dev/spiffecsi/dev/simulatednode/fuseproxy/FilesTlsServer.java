package dev.spiffecsi.dev.simulatednode.fuseproxy;

import dev.spiffecsi.backend.fuseproxy.protocol.FileLayout;
import io.spiffe.spiffeid.SpiffeId;
import io.spiffe.spiffeid.TrustDomain;
import java.io.PrintStream;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.cert.X509Certificate;
import javax.net.ssl.SSLServerSocket;
import javax.net.ssl.SSLSocket;

/**
 * The server side of the two-process TLS test, as a process of its own: loads its pod's credential files, accepts
 * one mutually authenticated TLS connection from the peer it is told, says which SPIFFE ID it saw, and exits.
 * Args: TARGET LAYOUT TRUST-DOMAIN PEER-SPIFFE-ID PORT-FILE.
 */
public final class FilesTlsServer {

    private FilesTlsServer() {}

    /** A certificate's URI SAN: its SPIFFE ID. */
    static String uriSan(X509Certificate certificate) throws Exception {
        return certificate.getSubjectAlternativeNames().stream()
                .filter(san -> (Integer) san.get(0) == 6)
                .map(san -> (String) san.get(1))
                .findFirst()
                .orElseThrow();
    }

    public static void main(String[] args) throws Exception {
        CredentialFiles files =
                CredentialFiles.load(Path.of(args[0]), FileLayout.valueOf(args[1]), TrustDomain.parse(args[2]));
        try (SSLServerSocket listener = (SSLServerSocket) files.tls(SpiffeId.parse(args[3]))
                .getServerSocketFactory()
                .createServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            listener.setNeedClientAuth(true);
            Files.writeString(Path.of(args[4]), Integer.toString(listener.getLocalPort()));
            try (SSLSocket connection = (SSLSocket) listener.accept()) {
                connection.startHandshake();
                String peer = uriSan((X509Certificate) connection.getSession().getPeerCertificates()[0]);
                PrintStream out = new PrintStream(connection.getOutputStream(), true, StandardCharsets.UTF_8);
                out.println("hello " + peer + " from " + files.svid().getSpiffeId());
            }
        }
    }
}
