/**
 * The simulated-node tests: the real driver (in this JVM, or as a process as the DaemonSet runs it:
 * {@code ServeProcessTest}) with the dev agent and the kubelet simulator, publishing real pods' volumes with every
 * backend ({@code *EndToEndTest}); and in {@code fuseproxy}, the fuse-proxy backend's tests of this kind (end to
 * end, files, churn, first-SVID latency, the files' cost).
 *
 * <p>They are here, not beside what they test, because they need the development kit's dev agent and kubelet
 * simulator, and no module below deploy/devkit may depend on it. Where the other tests are: each module's own tests
 * beside it (fuse-proxy's with an in-process fake agent, {@code backend-fuse-proxy/src/test/.../testing}); the
 * real-kubelet tier in deploy/e2e; attacks on the driver process in deploy/hostile; the layering rules in
 * deploy/dev-distribution ({@code ArchitectureTest}) and {@code dev.spiffecsi.dev.architecture} here.
 */
package dev.spiffecsi.dev.simulatednode;
