/**
 * The fixtures of fuse-proxy's own tests: an in-process fake SPIRE agent ({@code FakeDelegatedAgent}, which can
 * restart, federate and match selectors on demand), Workload API clients (in process and forked as another pod's
 * process would be), pod cgroups and raw HTTP/2 for the flood tests.
 *
 * <p>Where the backend's other tests are: those that run it inside the real driver with the development kit's dev
 * agent and kubelet simulator (end to end, files, churn, first-SVID latency, the files' cost) are in
 * deploy/devkit's {@code dev.spiffecsi.dev.simulatednode.fuseproxy}, because no module below deploy/devkit may
 * depend on it; the real-kubelet tier is deploy/e2e, the attacks deploy/hostile. The fake agent here and the dev
 * agent there both serve the Delegated Identity API with the generated classes of
 * {@code dev.spiffecsi.backend.fuseproxy.protocol}; they cannot share more, for the same reason, and need not: this
 * one is steered by the tests, the dev agent attests real processes.
 */
package dev.spiffecsi.backend.fuseproxy.testing;
