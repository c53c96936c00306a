/**
 * The FUSE filesystem of the fuse-proxy backend: one mount per published volume, whose root holds the Workload API
 * socket that the driver binds there and the read-only regular files of a {@code ServedFiles} (each open a snapshot,
 * read with direct I/O), nothing else.
 *
 * <p>{@link dev.spiffecsi.backend.fuseproxy.fuse.FuseMount} is the entry point. Below it, the kernel protocol of
 * linux/fuse.h is spoken directly on {@code /dev/fuse} through JNA, without libfuse: {@code Handshake} for
 * FUSE_INIT, {@code SocketDirectory} for the filesystem's state and rules, {@code Dispatcher} from opcodes to
 * operations, {@code ServingLoop} for the serving thread, {@code FuseChannel} for the device itself, and
 * {@code FuseRequest} and {@code Reply} for the frame around each request and reply. The structs inside those
 * frames, one class per struct of linux/fuse.h, are in {@link dev.spiffecsi.backend.fuseproxy.fuse.wire}.
 */
package dev.spiffecsi.backend.fuseproxy.fuse;
