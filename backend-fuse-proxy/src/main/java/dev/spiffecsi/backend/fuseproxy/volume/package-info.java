/**
 * What names one published volume wherever it is served: {@link dev.spiffecsi.backend.fuseproxy.volume.VolumeLabel},
 * used by the backend itself, the volume's server, its Workload API and its credential files alike. A package of its
 * own because all of them use it and none of them owns it.
 */
package dev.spiffecsi.backend.fuseproxy.volume;
