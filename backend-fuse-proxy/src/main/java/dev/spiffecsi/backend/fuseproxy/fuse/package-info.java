/**
 * The FUSE filesystem of the fuse-proxy backend: one mount per published volume, whose root holds the Workload API
 * socket that the driver binds there and the read-only regular files of a {@code ServedFiles} (each open a snapshot,
 * read with direct I/O), nothing else.
 *
 * <p>{@link dev.spiffecsi.backend.fuseproxy.fuse.FuseMount} is the entry point. Below it, the kernel protocol of
 * linux/fuse.h is spoken directly on {@code /dev/fuse} through JNA, without libfuse: one struct per class for the
 * wire format ({@code InHeader}, {@code Attr}, {@code EntryOut}...), {@code Handshake} for FUSE_INIT,
 * {@code SocketDirectory} for the filesystem's state and rules, {@code Dispatcher} from opcodes to operations,
 * {@code ServingLoop} for the serving thread and {@code FuseChannel} for the device itself.
 */
package dev.spiffecsi.backend.fuseproxy.fuse;
