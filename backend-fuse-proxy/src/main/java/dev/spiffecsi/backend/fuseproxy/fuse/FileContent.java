package dev.spiffecsi.backend.fuseproxy.fuse;

import java.nio.ByteBuffer;
import java.util.Arrays;

/**
 * The bytes of one served file, shared by every {@link FileSet} and open file that holds them. Secret content (a
 * private key, a bearer token) is overwritten with zeros as soon as nothing holds it any more: not the set being
 * served, nor any open file still reading the snapshot it opened. Content is never written anywhere but to the
 * FUSE device, in answer to a read.
 */
public final class FileContent {

    private final byte[] bytes;
    private final boolean secret;
    private int holders;
    private boolean wiped;

    private FileContent(byte[] bytes, boolean secret) {
        this.bytes = bytes;
        this.secret = secret;
    }

    /** Takes {@code bytes} over (no copy): the caller must not keep them. */
    public static FileContent ofPublic(byte[] bytes) {
        return new FileContent(bytes, false);
    }

    /** Takes {@code bytes} over (no copy) and wipes them once nothing holds them any more. */
    public static FileContent ofSecret(byte[] bytes) {
        return new FileContent(bytes, true);
    }

    public int length() {
        return bytes.length;
    }

    public boolean isSecret() {
        return secret;
    }

    /** Whether {@code other} holds the same bytes; compares without copying. */
    public synchronized boolean sameBytesAs(byte[] other) {
        return !wiped && Arrays.equals(bytes, other);
    }

    synchronized void retain() {
        if (wiped) {
            throw new IllegalStateException("the content was wiped: nothing may hold it again");
        }
        holders++;
    }

    synchronized void release() {
        if (holders == 0) {
            throw new IllegalStateException("released more often than retained");
        }
        holders--;
        if (holders == 0) {
            discard();
        }
    }

    /**
     * Wipes secret content that nothing holds (content that was made but never served, e.g. a set superseded
     * before it was installed). Does nothing to content that is held.
     */
    public synchronized void discardIfUnheld() {
        if (holders == 0) {
            discard();
        }
    }

    private void discard() {
        if (secret && !wiped) {
            Arrays.fill(bytes, (byte) 0);
            wiped = true;
        }
    }

    /**
     * Copies up to {@code count} bytes from {@code offset} to {@code out}; fewer at the end. Only called while held,
     * so never on wiped bytes.
     */
    int copyTo(long offset, int count, ByteBuffer out) {
        if (offset >= bytes.length) {
            return 0;
        }
        int length = (int) Math.min(count, bytes.length - offset);
        out.put(bytes, (int) offset, length);
        return length;
    }

    synchronized boolean isWiped() {
        return wiped;
    }
}
