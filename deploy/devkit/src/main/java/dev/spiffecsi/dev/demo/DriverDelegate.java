package dev.spiffecsi.dev.demo;

import dev.spiffecsi.dev.agent.DevAgentSettings;
import dev.spiffecsi.dev.agent.RegistrationEntry;
import io.spiffe.spiffeid.SpiffeId;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The driver as the dev agent's one authorized delegate, which the fuse-proxy backend needs: the agent serves its
 * Delegated Identity API, and this process, the driver's, is attested there as
 * {@code spiffe://<trust domain>/spiffe-csi-driver}. The dev agent attests by uid alone, so every process of this
 * uid is that delegate, and gets that identity on the Workload API as well.
 */
public final class DriverDelegate {

    private DriverDelegate() {}

    /** The delegate's identity in the agent's trust domain. */
    public static SpiffeId id(DevAgentSettings settings) {
        return SpiffeId.fromSegments(settings.trustDomain(), "spiffe-csi-driver");
    }

    /**
     * {@code settings}, with the agent also serving its Delegated Identity API on {@code adminSocket} to this
     * process. The entry for this process's uid goes first, since a process gets the first entry that matches it.
     */
    public static DevAgentSettings authorizeThisProcess(DevAgentSettings settings, Path adminSocket)
            throws IOException {
        List<RegistrationEntry> entries = new ArrayList<>(List.of(new RegistrationEntry(ownUid(), id(settings))));
        entries.addAll(settings.entries());
        return settings.withEntries(entries).withAdminApi(adminSocket, List.of(id(settings)));
    }

    /** The effective uid: the owner of {@code /proc/self}, and what the agent reads from the connection. */
    private static int ownUid() throws IOException {
        return (Integer) Files.getAttribute(Path.of("/proc/self"), "unix:uid");
    }
}
