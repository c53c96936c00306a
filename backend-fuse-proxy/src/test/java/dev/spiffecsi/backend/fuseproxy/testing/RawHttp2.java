package dev.spiffecsi.backend.fuseproxy.testing;

import io.grpc.netty.shaded.io.netty.buffer.ByteBuf;
import io.grpc.netty.shaded.io.netty.buffer.Unpooled;
import io.grpc.netty.shaded.io.netty.handler.codec.http2.DefaultHttp2Headers;
import io.grpc.netty.shaded.io.netty.handler.codec.http2.DefaultHttp2HeadersEncoder;
import io.grpc.netty.shaded.io.netty.handler.codec.http2.Http2Exception;
import io.grpc.netty.shaded.io.netty.handler.codec.http2.Http2Headers;
import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;

/**
 * A client that speaks HTTP/2 frames by hand on a Unix socket, the way a hostile process can: it sends what it
 * likes (a preface and nothing more, more streams than the server allows) and reads the server's frames one by
 * one, so that a test sees what the server does at the wire, not what a well-behaved gRPC client makes of it.
 */
public final class RawHttp2 implements AutoCloseable {

    public static final int DATA = 0x0;
    public static final int HEADERS = 0x1;
    public static final int RST_STREAM = 0x3;
    public static final int SETTINGS = 0x4;
    public static final int PING = 0x6;
    public static final int GOAWAY = 0x7;
    public static final int SETTINGS_MAX_CONCURRENT_STREAMS = 0x3;
    public static final int REFUSED_STREAM = 0x7;
    private static final int END_STREAM = 0x1;
    private static final int ACK = 0x1;
    private static final int END_HEADERS = 0x4;
    private static final byte[] PREFACE = "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n".getBytes(StandardCharsets.US_ASCII);

    /** One frame as read: its type, flags, stream and payload. */
    @SuppressWarnings("ArrayRecordComponent") // a frame read off the wire, never compared
    public record Frame(int type, int flags, int stream, byte[] payload) {
        /** The 32-bit value at {@code offset} of the payload (an RST_STREAM's error code, a setting's value). */
        public long uint32(int offset) {
            return ByteBuffer.wrap(payload, offset, 4).getInt() & 0xffffffffL;
        }

        /** The value of a setting in a SETTINGS frame; -1 if absent. */
        public long setting(int id) {
            for (int at = 0; at + 6 <= payload.length; at += 6) {
                if ((((payload[at] & 0xff) << 8) | (payload[at + 1] & 0xff)) == id) {
                    return uint32(at + 2);
                }
            }
            return -1;
        }
    }

    private final Path shortDir;
    private final SocketChannel channel;
    private final Selector selector;
    private final ByteBuffer in = ByteBuffer.allocate(1 << 16).flip();
    private final DefaultHttp2HeadersEncoder encoder = new DefaultHttp2HeadersEncoder();

    private RawHttp2(Path shortDir, SocketChannel channel) throws IOException {
        this.shortDir = shortDir;
        this.channel = channel;
        this.selector = Selector.open();
        channel.configureBlocking(false);
        channel.register(selector, SelectionKey.OP_READ);
    }

    /** Connects (through a short symlink: socket addresses hold 107 bytes) and sends nothing yet. */
    public static RawHttp2 connect(Path socket) throws IOException {
        Path shortDir = Files.createTempDirectory("raw");
        Path link = Files.createSymbolicLink(shortDir.resolve("d"), socket.getParent());
        SocketChannel channel = SocketChannel.open(StandardProtocolFamily.UNIX);
        try {
            channel.connect(UnixDomainSocketAddress.of(link.resolve(socket.getFileName())));
            return new RawHttp2(shortDir, channel);
        } catch (IOException e) {
            channel.close();
            Files.deleteIfExists(link);
            Files.deleteIfExists(shortDir);
            throw e;
        }
    }

    /** The client connection preface: the magic string and an empty SETTINGS frame. */
    public RawHttp2 preface() throws IOException {
        write(ByteBuffer.wrap(PREFACE));
        frame(SETTINGS, 0, 0, new byte[0]);
        return this;
    }

    /** Opens stream {@code id} calling {@code method} (with the security header) and sends its one request. */
    public void call(int id, String method, byte[] request) throws IOException {
        open(id, method);
        ByteBuffer message = ByteBuffer.allocate(5 + request.length)
                .put((byte) 0)
                .putInt(request.length)
                .put(request);
        frame(DATA, END_STREAM, id, message.array());
    }

    /** Opens stream {@code id} calling {@code method}: its headers only. */
    public void open(int id, String method) throws IOException {
        Http2Headers headers = new DefaultHttp2Headers()
                .method("POST")
                .scheme("http")
                .path(method)
                .authority("localhost")
                .add("content-type", "application/grpc")
                .add("te", "trailers")
                .add("workload.spiffe.io", "true");
        ByteBuf block = Unpooled.buffer();
        try {
            encoder.encodeHeaders(id, headers, block);
        } catch (Http2Exception e) {
            throw new IOException(e);
        }
        byte[] encoded = new byte[block.readableBytes()];
        block.readBytes(encoded);
        block.release();
        frame(HEADERS, END_HEADERS, id, encoded);
    }

    /** The next frame; null when the server closed the connection (or reset it). */
    public Frame next(Duration wait) throws IOException {
        long deadline = System.nanoTime() + wait.toNanos();
        if (!fill(9, deadline)) {
            return null;
        }
        int length = ((in.get(in.position()) & 0xff) << 16)
                | ((in.get(in.position() + 1) & 0xff) << 8)
                | (in.get(in.position() + 2) & 0xff);
        if (!fill(9 + length, deadline)) {
            return null;
        }
        in.get(); // the length, read above
        in.get();
        in.get();
        int type = in.get() & 0xff;
        int flags = in.get() & 0xff;
        int stream = in.getInt() & 0x7fffffff;
        byte[] payload = new byte[length];
        in.get(payload);
        if (type == PING && (flags & ACK) == 0) {
            frame(PING, ACK, 0, payload); // as a client must; lets the server finish a graceful close
        }
        return new Frame(type, flags, stream, payload);
    }

    /** Whether the server closes the connection within {@code wait}, whatever frames it sends first. */
    public boolean closedWithin(Duration wait) throws IOException {
        long deadline = System.nanoTime() + wait.toNanos();
        while (System.nanoTime() < deadline) {
            if (next(Duration.ofNanos(deadline - System.nanoTime())) == null) {
                return eof;
            }
        }
        return false;
    }

    private boolean eof;

    /** Reads until {@code count} bytes are buffered; false on end of stream, reset, or the deadline. */
    private boolean fill(int count, long deadline) throws IOException {
        while (in.remaining() < count) {
            in.compact();
            try {
                int read = channel.read(in);
                if (read < 0) {
                    eof = true;
                    in.flip();
                    return false;
                }
                if (read == 0) {
                    long left = deadline - System.nanoTime();
                    if (left <= 0) {
                        in.flip();
                        return false;
                    }
                    selector.select(Math.max(1, left / 1_000_000));
                    selector.selectedKeys().clear();
                }
            } catch (IOException e) {
                eof = true; // ECONNRESET: the server closed without reading what was sent
                in.flip();
                return false;
            }
            in.flip();
        }
        return true;
    }

    private void frame(int type, int flags, int stream, byte[] payload) throws IOException {
        ByteBuffer frame = ByteBuffer.allocate(9 + payload.length);
        frame.put((byte) (payload.length >>> 16))
                .put((byte) (payload.length >>> 8))
                .put((byte) payload.length)
                .put((byte) type)
                .put((byte) flags)
                .putInt(stream)
                .put(payload)
                .flip();
        write(frame);
    }

    private void write(ByteBuffer bytes) throws IOException {
        while (bytes.hasRemaining()) {
            if (channel.write(bytes) == 0) {
                Thread.onSpinWait();
            }
        }
    }

    @Override
    public void close() throws IOException {
        selector.close();
        channel.close();
        Files.deleteIfExists(shortDir.resolve("d"));
        Files.deleteIfExists(shortDir);
    }
}
