/**
 * The hostile-input tier: the real driver process, started with the production launcher's JVM options, attacked
 * the way a pod author or a process in a pod could, on real sockets and real mounts inside the private mount
 * namespace that {@code ./test.sh} runs in.
 *
 * <ul>
 * <li>{@link dev.spiffecsi.hostile.CsiFuzzIT}: generated and mutated NodePublishVolume, NodeUnpublishVolume and
 * NodeGetVolumeStats requests (most of them kubelet-like, so that real bind mounts happen) over the CSI socket,
 * with symlinks swapped in between calls and concurrent calls on one target;</li>
 * <li>{@link dev.spiffecsi.hostile.FuseProxyAbuseIT}: connection, stream, message, slow-reader and open-file floods
 * against one fuse-proxy volume while another volume's workload keeps fetching SVIDs;</li>
 * <li>{@link dev.spiffecsi.hostile.CrashLoopIT}: a state directory poisoned with oversized, corrupt, FIFO,
 * symlinked and out-of-tree records.</li>
 * </ul>
 *
 * <p>Seedable ({@code -Dhostile.seed=N} or {@code HOSTILE_SEED}; the seed is printed), bounded in count and time
 * (every wait has a deadline), and always cleaned up (the driver is killed, mounts below the tier's temporary
 * directory detached, the directory removed). The figures go to one table, printed and written to
 * {@code deploy/hostile/target/hostile-report.txt}. Without root or outside a private mount namespace the tier
 * skips, saying why; with {@code SPIFFECSI_REQUIRE_ALL=1} that skip is a failure.
 */
package dev.spiffecsi.hostile;
