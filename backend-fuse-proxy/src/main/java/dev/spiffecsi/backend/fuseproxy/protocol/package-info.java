/**
 * <b>Exported</b>: what the fuse-proxy backend speaks with the world outside the driver, for the backend itself and
 * for the development kit's dev SPIRE agent, demo and tests (deploy/devkit), which use this backend only through here
 * and {@link dev.spiffecsi.backend.fuseproxy.peer} (an ArchUnit test in deploy/devkit holds them to it). Nothing in
 * these packages knows of volumes, mounts or pods.
 *
 * <ul>
 * <li>The generated gRPC classes of the protocols, from {@code src/main/proto}: the SPIFFE Workload API
 *     ({@link dev.spiffecsi.backend.fuseproxy.protocol.workload}), which the volumes serve and the dev agent serves
 *     too; SPIRE's Delegated Identity API ({@link dev.spiffecsi.backend.fuseproxy.protocol.delegatedidentity}), which
 *     the backend calls and the dev agent serves; and the SPIRE types both use
 *     ({@link dev.spiffecsi.backend.fuseproxy.protocol.types}). Only the Java packages are ours: the proto packages,
 *     method paths and field numbers are the upstream ones, so any SPIRE agent and any Workload API client
 *     understands them.</li>
 * <li>The rules of the Workload API that every server of it here must apply alike: the security header
 *     ({@link dev.spiffecsi.backend.fuseproxy.protocol.WorkloadApiSecurityHeader}), how an interceptor refuses a
 *     call ({@link dev.spiffecsi.backend.fuseproxy.protocol.CallRefusal}), and JWT claims as ValidateJWTSVID returns
 *     them ({@link dev.spiffecsi.backend.fuseproxy.protocol.ClaimsStruct}).</li>
 * <li>The names of the credential files a pod reads in a files volume
 *     ({@link dev.spiffecsi.backend.fuseproxy.protocol.FileLayout}).</li>
 * </ul>
 *
 * <p>Changing a public name here changes the development kit too; the wire format must never change.
 */
package dev.spiffecsi.backend.fuseproxy.protocol;
