/**
 * A pod's SVIDs as files: what a volume's attributes ask for ({@link dev.spiffecsi.backend.fuseproxy.files.FileOptions}),
 * the file names of each layout ({@link dev.spiffecsi.backend.fuseproxy.protocol.FileLayout}), the PEM encoding that
 * puts a private key into its file with no other copy ({@link dev.spiffecsi.backend.fuseproxy.files.Pem}), and the
 * feed that keeps a volume's files up to date from the agent's Delegated Identity API, by the pod's selectors
 * ({@link dev.spiffecsi.backend.fuseproxy.files.PodFiles}, with a refresh per JWT-SVID audience). The files reach
 * the pod through the FUSE filesystem ({@link dev.spiffecsi.backend.fuseproxy.fuse.ServedFiles}); nothing is ever
 * written to a file system.
 */
package dev.spiffecsi.backend.fuseproxy.files;
