/**
 * <b>Exported</b>, generated from {@code src/main/proto/workload.proto}: the SPIFFE Workload API's messages and
 * service stubs. The proto file has no package, as the SPIFFE standard's has none, so that the method paths are
 * {@code /SpiffeWorkloadAPI/FetchX509SVID} and so on, as every Workload API client calls them. Served by the volumes
 * ({@code workload.WorkloadApiProxy}) and by the dev agent (deploy/devkit). See
 * {@link dev.spiffecsi.backend.fuseproxy.protocol}.
 */
package dev.spiffecsi.backend.fuseproxy.protocol.workload;
