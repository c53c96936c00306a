package dev.spiffecsi.dev.agent;

import io.spiffe.spiffeid.SpiffeId;
import java.util.List;

/** Which SPIFFE ID a caller gets: the first registration entry that matches it, else the default identity. */
final class Registrations {

    private final List<RegistrationEntry> entries;
    private final SpiffeId defaultId;

    Registrations(List<RegistrationEntry> entries, SpiffeId defaultId) {
        this.entries = List.copyOf(entries);
        this.defaultId = defaultId;
    }

    SpiffeId identify(Caller caller) {
        for (RegistrationEntry entry : entries) {
            if (entry.matches(caller)) {
                return entry.spiffeId();
            }
        }
        return defaultId;
    }
}
