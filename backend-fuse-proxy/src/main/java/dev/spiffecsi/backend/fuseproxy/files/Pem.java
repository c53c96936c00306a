package dev.spiffecsi.backend.fuseproxy.files;

import com.google.protobuf.ByteString;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.List;

/**
 * PEM (RFC 7468) blocks written straight into one exactly sized array, so that a private key passes from the
 * agent's DER to the served file without any other copy of it being made: the DER is base64-encoded as it streams
 * from the protocol buffer into the file's array (java.util.Base64 over the ByteString's own bytes). Lines of 64
 * characters, LF line ends, no headers and nothing between blocks, as the filesystem-delivery draft requires.
 */
public final class Pem {

    public static final String CERTIFICATE = "CERTIFICATE";
    public static final String PRIVATE_KEY = "PRIVATE KEY";

    private static final int LINE = 64;
    private static final byte[] NEWLINE = {'\n'};
    private static final Base64.Encoder ENCODER = Base64.getMimeEncoder(LINE, NEWLINE);

    /** One block to write: its type and its DER. */
    public record Block(String type, ByteString der) {}

    private Pem() {}

    /** The blocks, one after the other, in one array of exactly their length. */
    public static byte[] encode(List<Block> blocks) {
        int length = 0;
        for (Block block : blocks) {
            length += length(block);
        }
        byte[] out = new byte[length];
        Sink sink = new Sink(out);
        for (Block block : blocks) {
            write(block, sink);
        }
        if (sink.position != out.length) {
            throw new IllegalStateException("PEM length computed as " + out.length + ", written " + sink.position);
        }
        return out;
    }

    private static int length(Block block) {
        int base64 = 4 * ((block.der().size() + 2) / 3);
        int lines = Math.max(1, (base64 + LINE - 1) / LINE);
        return begin(block.type()).length + base64 + lines + end(block.type()).length;
    }

    private static void write(Block block, Sink sink) {
        sink.write(begin(block.type()));
        try (OutputStream base64 = ENCODER.wrap(sink.unclosable())) {
            block.der().writeTo(base64);
        } catch (IOException e) {
            throw new UncheckedIOException("writing to an array cannot fail", e);
        }
        sink.write(NEWLINE);
        sink.write(end(block.type()));
    }

    private static byte[] begin(String type) {
        return ("-----BEGIN " + type + "-----\n").getBytes(StandardCharsets.US_ASCII);
    }

    private static byte[] end(String type) {
        return ("-----END " + type + "-----\n").getBytes(StandardCharsets.US_ASCII);
    }

    /** Writes into a fixed array; overflowing it is a bug in the length computed. */
    private static final class Sink {
        private final byte[] out;
        private int position;

        Sink(byte[] out) {
            this.out = out;
        }

        void write(byte[] bytes) {
            write(bytes, 0, bytes.length);
        }

        void write(byte[] bytes, int offset, int length) {
            System.arraycopy(bytes, offset, out, position, length);
            position += length;
        }

        /** For the base64 stream, whose close must flush its last group without closing anything else. */
        OutputStream unclosable() {
            return new OutputStream() {
                @Override
                public void write(int b) {
                    out[position++] = (byte) b;
                }

                @Override
                public void write(byte[] bytes, int offset, int length) {
                    Sink.this.write(bytes, offset, length);
                }
            };
        }
    }
}
