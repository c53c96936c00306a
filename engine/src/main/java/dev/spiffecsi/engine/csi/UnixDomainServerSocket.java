package dev.spiffecsi.engine.csi;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketAddress;
import java.net.StandardProtocolFamily;
import java.nio.channels.Channels;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import javax.net.ServerSocketFactory;

/**
 * A {@link ServerSocket} on a Unix domain socket, for gRPC's OkHttp server transport, which accepts connections
 * through a {@link ServerSocketFactory} and reads and writes them as blocking streams. The JDK (16+) speaks Unix
 * domain sockets only through channels; this adapts a blocking {@link ServerSocketChannel} and the
 * {@link SocketChannel}s it accepts to the socket API, which keeps netty's native transport (and its ~1,000
 * classes and pooled buffers) out of the driver.
 */
final class UnixDomainServerSocket extends ServerSocket {

    private ServerSocketChannel channel;

    private UnixDomainServerSocket() throws IOException {
        super();
    }

    /** The factory for {@code OkHttpServerBuilder.socketFactory}: unbound sockets, bound by the server. */
    static ServerSocketFactory factory() {
        return new ServerSocketFactory() {
            @Override
            public ServerSocket createServerSocket() throws IOException {
                return new UnixDomainServerSocket();
            }

            @Override
            public ServerSocket createServerSocket(int port) {
                throw new UnsupportedOperationException("a Unix domain socket has no port");
            }

            @Override
            public ServerSocket createServerSocket(int port, int backlog) {
                throw new UnsupportedOperationException("a Unix domain socket has no port");
            }

            @Override
            public ServerSocket createServerSocket(int port, int backlog, InetAddress address) {
                throw new UnsupportedOperationException("a Unix domain socket has no port");
            }
        };
    }

    @Override
    public void bind(SocketAddress address) throws IOException {
        bind(address, 0);
    }

    @Override
    public synchronized void bind(SocketAddress address, int backlog) throws IOException {
        ServerSocketChannel opened = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
        try {
            opened.bind(address, backlog);
        } catch (IOException | RuntimeException e) {
            opened.close();
            throw e;
        }
        channel = opened;
    }

    @Override
    public Socket accept() throws IOException {
        ServerSocketChannel bound = boundChannel();
        return new Connection(bound.accept());
    }

    @Override
    public synchronized boolean isBound() {
        return channel != null;
    }

    @Override
    public synchronized boolean isClosed() {
        return channel != null && !channel.isOpen();
    }

    @Override
    public synchronized SocketAddress getLocalSocketAddress() {
        try {
            return channel == null ? null : channel.getLocalAddress();
        } catch (IOException e) {
            return null;
        }
    }

    @Override
    public int getLocalPort() {
        return -1;
    }

    @Override
    public InetAddress getInetAddress() {
        return null;
    }

    @Override
    public synchronized void close() throws IOException {
        try {
            if (channel != null) {
                channel.close();
            }
        } finally {
            super.close();
        }
    }

    private synchronized ServerSocketChannel boundChannel() throws IOException {
        if (channel == null) {
            throw new IOException("not bound");
        }
        return channel;
    }

    /**
     * One accepted connection. Reads and writes may run at once on two threads (the transport's reader and
     * writer): the JDK's channel streams lock reads and writes separately.
     */
    private static final class Connection extends Socket {

        private final SocketChannel channel;
        private final InputStream in;
        private final OutputStream out;

        Connection(SocketChannel channel) {
            this.channel = channel;
            this.in = Channels.newInputStream(channel);
            this.out = Channels.newOutputStream(channel);
        }

        @Override
        public InputStream getInputStream() {
            return in;
        }

        @Override
        public OutputStream getOutputStream() {
            return out;
        }

        @Override
        public void close() throws IOException {
            channel.close();
        }

        @Override
        public boolean isClosed() {
            return !channel.isOpen();
        }

        @Override
        public boolean isConnected() {
            return channel.isConnected();
        }

        @Override
        public boolean isBound() {
            return true;
        }

        @Override
        public void shutdownInput() throws IOException {
            channel.shutdownInput();
        }

        @Override
        public void shutdownOutput() throws IOException {
            channel.shutdownOutput();
        }

        @Override
        public SocketAddress getRemoteSocketAddress() {
            try {
                return channel.getRemoteAddress();
            } catch (IOException e) {
                return null;
            }
        }

        @Override
        public SocketAddress getLocalSocketAddress() {
            try {
                return channel.getLocalAddress();
            } catch (IOException e) {
                return null;
            }
        }

        // TCP options, which the transport sets and a Unix domain socket does not have
        @Override
        public void setTcpNoDelay(boolean on) {}

        @Override
        public void setKeepAlive(boolean on) {}

        @Override
        public void setSoTimeout(int timeout) {
            // blocking reads without a timeout, as the transport asks (it passes 0)
        }
    }
}
