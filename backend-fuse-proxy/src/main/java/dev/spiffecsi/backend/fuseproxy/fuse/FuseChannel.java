package dev.spiffecsi.backend.fuseproxy.fuse;

import com.sun.jna.LastErrorException;
import com.sun.jna.Native;
import com.sun.jna.Pointer;
import dev.spiffecsi.backend.fuseproxy.fuse.wire.InHeader;
import dev.spiffecsi.spi.MountSyscalls.ErrnoException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Path;

/**
 * One FUSE connection's device file: {@code /dev/fuse} opened for a single mount, plus an eventfd that lets
 * another thread stop a waiting {@link #receive}.
 *
 * <p>The device is non-blocking and waited on with poll(2) together with the eventfd. A blocking read(2) could not
 * be stopped: closing an fd does not wake a thread blocked on it, and after a lazy unmount a busy filesystem lives
 * on without sending anything. Stopping first and closing afterwards, from the thread that reads, also rules out
 * reading or writing an fd number that close() freed and the process reused.
 *
 * <p>{@link #receive} and {@link #send} belong to one thread at a time; {@link #stop} and {@link #close} may be
 * called from any.
 */
final class FuseChannel implements Connection {

    private static final Path DEVICE = Path.of("/dev/fuse");
    private static final short POLLIN = 0x001;
    private static final int POLLFD_SIZE = 8; // struct pollfd: int fd, short events, short revents
    private static final int REVENTS_OFFSET = 6;

    private final int deviceFd;
    private final int stopFd;
    private final ByteBuffer requests;
    private final Pointer requestsAddress;
    private final ByteBuffer pollFds =
            ByteBuffer.allocateDirect(2 * POLLFD_SIZE).order(ByteOrder.nativeOrder());
    private final ByteBuffer stopWord = ByteBuffer.allocateDirect(Long.BYTES).order(ByteOrder.nativeOrder());
    private boolean closed;

    private FuseChannel(int deviceFd, int stopFd, int requestBufferSize) {
        this.deviceFd = deviceFd;
        this.stopFd = stopFd;
        // direct buffers rather than JNA Memory: freed by the GC, never while a thread may still use them
        this.requests = ByteBuffer.allocateDirect(requestBufferSize).order(ByteOrder.nativeOrder());
        this.requestsAddress = Native.getDirectBufferPointer(requests);
        pollFds.putInt(0, deviceFd).putShort(4, POLLIN);
        pollFds.putInt(POLLFD_SIZE, stopFd).putShort(POLLFD_SIZE + 4, POLLIN);
        stopWord.putLong(0, 1);
    }

    /**
     * Opens {@code /dev/fuse}.
     *
     * @param requestBufferSize the read buffer: one read(2) returns one whole request, and the kernel refuses
     *                          buffers smaller than the largest request (max_write plus headers)
     */
    static FuseChannel open(int requestBufferSize) throws IOException {
        int device;
        try {
            device = LibC.INSTANCE.open(DEVICE.toString(), LibC.O_RDWR | LibC.O_CLOEXEC | LibC.O_NONBLOCK);
        } catch (LastErrorException e) {
            throw errno("open", e);
        }
        try {
            return new FuseChannel(device, LibC.INSTANCE.eventfd(0, LibC.EFD_CLOEXEC), requestBufferSize);
        } catch (LastErrorException e) {
            closeQuietly(device);
            throw errno("eventfd", e);
        }
    }

    /** The device fd, for the {@code fd=} mount option that ties the new mount to this connection. */
    int fd() {
        return deviceFd;
    }

    /**
     * {@inheritDoc} The connection has ended when the filesystem is unmounted or aborted (ENODEV, ECONNABORTED)
     * and once {@link #stop} was called.
     */
    @Override
    public ByteBuffer receive(int timeoutMillis) throws IOException {
        long deadline = System.nanoTime() + timeoutMillis * 1_000_000L;
        while (true) {
            int wait = timeoutMillis < 0 ? -1 : (int) Math.max(0, (deadline - System.nanoTime()) / 1_000_000L);
            if (!poll(wait)) {
                throw new IOException("no request from the kernel on " + DEVICE + " within " + timeoutMillis + " ms");
            }
            if (pollFds.getShort(POLLFD_SIZE + REVENTS_OFFSET) != 0) {
                return null;
            }
            try {
                long length = LibC.INSTANCE.read(deviceFd, requestsAddress, requests.capacity());
                if (length < InHeader.SIZE) {
                    throw new IOException("a " + length + "-byte read from " + DEVICE + " is shorter than a request");
                }
                return requests.slice(0, (int) length).order(ByteOrder.nativeOrder());
            } catch (LastErrorException e) {
                switch (e.getErrorCode()) {
                    // EAGAIN: nothing queued after all; ENOENT: the request was interrupted and withdrawn
                    case Errno.EAGAIN, Errno.ENOENT, Errno.EINTR -> {}
                    case Errno.ENODEV, Errno.ECONNABORTED -> {
                        return null;
                    }
                    default -> throw errno("read", e);
                }
            }
        }
    }

    /** True when the device or the stop eventfd is ready; false on timeout. */
    private boolean poll(int timeoutMillis) throws IOException {
        pollFds.putShort(REVENTS_OFFSET, (short) 0).putShort(POLLFD_SIZE + REVENTS_OFFSET, (short) 0);
        while (true) {
            try {
                return LibC.INSTANCE.poll(Native.getDirectBufferPointer(pollFds), 2, timeoutMillis) > 0;
            } catch (LastErrorException e) {
                if (e.getErrorCode() != Errno.EINTR) {
                    throw errno("poll", e);
                }
            }
        }
    }

    /**
     * {@inheritDoc} A reply the kernel no longer waits for is dropped silently: ENOENT (the request was
     * interrupted) or ENODEV (the connection is gone, which the next {@link #receive} reports).
     */
    @Override
    public void send(ByteBuffer reply) throws IOException {
        int length = reply.remaining();
        try {
            long written = LibC.INSTANCE.write(
                    deviceFd, Native.getDirectBufferPointer(reply).share(reply.position()), length);
            if (written != length) {
                throw new IOException("the kernel took " + written + " of a " + length + "-byte reply");
            }
        } catch (LastErrorException e) {
            if (e.getErrorCode() != Errno.ENOENT && e.getErrorCode() != Errno.ENODEV) {
                throw errno("write", e);
            }
        }
    }

    /** Makes a waiting or future {@link #receive} return {@code null}. */
    synchronized void stop() {
        if (closed) {
            return;
        }
        try {
            LibC.INSTANCE.write(stopFd, Native.getDirectBufferPointer(stopWord), Long.BYTES);
        } catch (LastErrorException e) {
            throw new IllegalStateException("cannot signal the FUSE serving thread: errno " + e.getErrorCode(), e);
        }
    }

    /**
     * Closes both fds. Closing the device aborts the connection if the filesystem is still mounted (detached but
     * busy): whatever still uses it gets ENOTCONN instead of hanging.
     */
    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        closeQuietly(deviceFd);
        closeQuietly(stopFd);
    }

    private static void closeQuietly(int fd) {
        try {
            LibC.INSTANCE.close(fd);
        } catch (LastErrorException e) {
            // Linux releases the fd even when close(2) reports an error; there is nothing to retry
        }
    }

    private static ErrnoException errno(String call, LastErrorException e) {
        int code = e.getErrorCode();
        return new ErrnoException(call, DEVICE, code, LibC.INSTANCE.strerror(code));
    }
}
