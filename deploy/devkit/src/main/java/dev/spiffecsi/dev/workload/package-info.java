/**
 * The example workload: java-spiffe's own Workload API client watching its X.509 context, as an application would
 * ({@link dev.spiffecsi.dev.workload.ExampleWorkload}), and how it reaches a socket whose path is too long.
 */
package dev.spiffecsi.dev.workload;
