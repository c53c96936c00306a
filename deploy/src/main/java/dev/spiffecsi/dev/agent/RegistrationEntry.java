package dev.spiffecsi.dev.agent;

import io.spiffe.exception.InvalidSpiffeIdException;
import io.spiffe.spiffeid.SpiffeId;
import java.util.Objects;

/**
 * A registration entry: callers running as {@code uid} get {@code spiffeId}. Written on the command line as
 * {@code unix:uid:1000=spiffe://example.org/backend}, after SPIRE's {@code unix:uid} selector.
 */
public record RegistrationEntry(int uid, SpiffeId spiffeId) {

    private static final String UID_SELECTOR = "unix:uid:";

    public RegistrationEntry {
        if (uid < 0) {
            throw new IllegalArgumentException("a uid is never negative, got " + uid);
        }
        Objects.requireNonNull(spiffeId, "spiffeId");
    }

    /** Parses {@code unix:uid:<uid>=<spiffe id>}. */
    public static RegistrationEntry parse(String text) {
        int eq = text.indexOf('=');
        if (!text.startsWith(UID_SELECTOR) || eq < 0) {
            throw new IllegalArgumentException("registration entry \"" + text
                    + "\" must look like unix:uid:1000=spiffe://example.org/backend");
        }
        int uid;
        try {
            uid = Integer.parseInt(text.substring(UID_SELECTOR.length(), eq));
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("registration entry \"" + text + "\": the uid is not a number");
        }
        try {
            return new RegistrationEntry(uid, SpiffeId.parse(text.substring(eq + 1)));
        } catch (InvalidSpiffeIdException e) {
            throw new IllegalArgumentException("registration entry \"" + text + "\": " + e.getMessage());
        }
    }

    boolean matches(Caller caller) {
        return caller.uid() == uid;
    }

    @Override
    public String toString() {
        return UID_SELECTOR + uid + "=" + spiffeId;
    }
}
