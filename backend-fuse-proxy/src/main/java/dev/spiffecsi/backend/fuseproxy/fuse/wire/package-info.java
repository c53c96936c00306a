/**
 * The FUSE kernel protocol's structs, one record per struct, each mirroring its layout in linux/fuse.h (field
 * offsets, sizes, padding) and nothing else: the request header ({@code InHeader}), the operations' inputs
 * ({@code InitIn}, {@code OpenIn}, {@code ReadIn}, {@code FileReadIn}, {@code GetattrIn}, {@code SetattrIn},
 * {@code MknodIn}, {@code AccessIn}), their outputs ({@code InitOut}, {@code EntryOut}, {@code AttrOut},
 * {@code Attr}, {@code OpenOut}, {@code Kstatfs}, {@code Dirent}), and the opcodes ({@code Opcode}). Native byte
 * order throughout, as the kernel reads and writes them. What a request means and how it is answered is the
 * enclosing package's: these change only when the kernel's protocol does.
 */
package dev.spiffecsi.backend.fuseproxy.fuse.wire;
