/**
 * The SPIFFE Workload API one volume serves: the security header check and the caller's name
 * ({@code WorkloadApiInterceptor}), the five calls ({@link dev.spiffecsi.backend.fuseproxy.workload.WorkloadApiProxy}),
 * and the mapping of delegated data to Workload API messages, cut down to the caller's trust domains. The security
 * header rule, the claims mapping and the generated Workload API classes (wire-compatible with the SPIFFE
 * standard's, no proto package), which the dev agent uses too, are in {@link dev.spiffecsi.backend.fuseproxy.protocol}.
 */
package dev.spiffecsi.backend.fuseproxy.workload;
