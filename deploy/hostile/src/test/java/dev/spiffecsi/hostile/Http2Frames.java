package dev.spiffecsi.hostile;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;

/**
 * The few HTTP/2 frames an abusive client sends by hand (RFC 9113, HPACK literals of RFC 7541 without Huffman
 * coding): the client preface, SETTINGS, and one gRPC call's HEADERS and DATA. Hand-made so that the client can
 * do what a well-behaved library never does: open connections without ever reading, announce a receive window of
 * zero, and never consume what the server sends.
 */
final class Http2Frames {

    static final byte[] PREFACE = "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n".getBytes(StandardCharsets.US_ASCII);
    private static final int SETTINGS_INITIAL_WINDOW_SIZE = 0x4;
    private static final int TYPE_DATA = 0x0;
    private static final int TYPE_HEADERS = 0x1;
    private static final int TYPE_SETTINGS = 0x4;
    private static final int FLAG_END_STREAM = 0x1;
    private static final int FLAG_END_HEADERS = 0x4;

    private Http2Frames() {}

    /** The preface and an empty SETTINGS frame: all a connection needs to be a live HTTP/2 connection. */
    static byte[] prefaceAndSettings() {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.writeBytes(PREFACE);
        frame(out, TYPE_SETTINGS, 0, 0, new byte[0]);
        return out.toByteArray();
    }

    /**
     * The preface, SETTINGS with a receive window of 0 (the server may send no DATA at all), and a complete
     * {@code FetchX509SVID} call on stream 1 (with the security header): a stream the server answers into a window
     * that never opens.
     */
    static byte[] stalledFetchX509Svid() {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.writeBytes(PREFACE);
        frame(out, TYPE_SETTINGS, 0, 0, new byte[] {0, SETTINGS_INITIAL_WINDOW_SIZE, 0, 0, 0, 0});
        ByteArrayOutputStream headers = new ByteArrayOutputStream();
        literal(headers, ":method", "POST");
        literal(headers, ":scheme", "http");
        literal(headers, ":path", "/SpiffeWorkloadAPI/FetchX509SVID");
        literal(headers, ":authority", "localhost");
        literal(headers, "content-type", "application/grpc");
        literal(headers, "te", "trailers");
        literal(headers, "workload.spiffe.io", "true");
        frame(out, TYPE_HEADERS, FLAG_END_HEADERS, 1, headers.toByteArray());
        // an empty X509SVIDRequest: the gRPC prefix (not compressed, length 0)
        frame(out, TYPE_DATA, FLAG_END_STREAM, 1, new byte[] {0, 0, 0, 0, 0});
        return out.toByteArray();
    }

    /** A literal header field without indexing, new name (RFC 7541 6.2.2); names and values below 127 bytes. */
    private static void literal(ByteArrayOutputStream out, String name, String value) {
        byte[] n = name.getBytes(StandardCharsets.US_ASCII);
        byte[] v = value.getBytes(StandardCharsets.US_ASCII);
        out.write(0);
        out.write(n.length);
        out.writeBytes(n);
        out.write(v.length);
        out.writeBytes(v);
    }

    private static void frame(ByteArrayOutputStream out, int type, int flags, int stream, byte[] payload) {
        out.write(payload.length >>> 16);
        out.write(payload.length >>> 8);
        out.write(payload.length);
        out.write(type);
        out.write(flags);
        out.write(stream >>> 24);
        out.write(stream >>> 16);
        out.write(stream >>> 8);
        out.write(stream);
        out.writeBytes(payload);
    }
}
