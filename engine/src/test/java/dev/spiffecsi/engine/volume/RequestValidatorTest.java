package dev.spiffecsi.engine.volume;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.spiffecsi.engine.volume.PublishCommand.AccessMode;
import dev.spiffecsi.engine.volume.PublishCommand.AccessType;
import dev.spiffecsi.engine.volume.PublishCommand.Capability;
import dev.spiffecsi.spi.PublishRequest;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.UnaryOperator;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class RequestValidatorTest {

    private static final Path PODS = Path.of("/var/lib/kubelet/pods");
    private static final String TARGET = "/var/lib/kubelet/pods/uid/volumes/kubernetes.io~csi/spiffe/mount";
    private static final Capability MOUNT_WRITER =
            new Capability(AccessType.MOUNT, "", List.of(), AccessMode.SINGLE_NODE_WRITER);

    private final RequestValidator lenient = new RequestValidator(new TargetPathPolicy(PODS), false);
    private final RequestValidator strict = new RequestValidator(new TargetPathPolicy(PODS), true);

    private static PublishCommand valid() {
        return new PublishCommand(
                "vol-1",
                TARGET,
                "",
                MOUNT_WRITER,
                true,
                Map.of(RequestValidator.EPHEMERAL, "true", "csi.storage.k8s.io/pod.name", "p"));
    }

    private static PublishCommand with(UnaryOperator<PublishCommand> change) {
        return change.apply(valid());
    }

    private static PublishCommand capability(Capability capability) {
        PublishCommand v = valid();
        return new PublishCommand(v.volumeId(), v.targetPath(), "", capability, v.readOnly(), v.volumeContext());
    }

    private static PublishCommand context(Map<String, String> context) {
        PublishCommand v = valid();
        return new PublishCommand(v.volumeId(), v.targetPath(), "", v.capability(), v.readOnly(), context);
    }

    static Stream<Arguments> invalidPublishes() {
        Map<String, String> notEphemeral = new HashMap<>(valid().volumeContext());
        notEphemeral.put(RequestValidator.EPHEMERAL, "false");
        return Stream.of(
                Arguments.of(
                        "missing volume id",
                        with(v -> new PublishCommand("", v.targetPath(), "", v.capability(), true, v.volumeContext())),
                        "volume_id is required"),
                Arguments.of(
                        "missing target",
                        with(v -> new PublishCommand(v.volumeId(), "", "", v.capability(), true, v.volumeContext())),
                        "target_path is required"),
                Arguments.of("missing capability", capability(null), "volume_capability is required"),
                Arguments.of(
                        "no access type",
                        capability(new Capability(AccessType.NONE, "", List.of(), AccessMode.SINGLE_NODE_WRITER)),
                        "volume_capability.access_type is required"),
                Arguments.of(
                        "block",
                        capability(new Capability(AccessType.BLOCK, "", List.of(), AccessMode.SINGLE_NODE_WRITER)),
                        "volume_capability.access_type must be mount"),
                Arguments.of(
                        "fs type",
                        capability(new Capability(AccessType.MOUNT, "ext4", List.of(), AccessMode.SINGLE_NODE_WRITER)),
                        "volume_capability.mount.fs_type"),
                Arguments.of(
                        "mount flags",
                        capability(new Capability(AccessType.MOUNT, "", List.of("ro"), AccessMode.SINGLE_NODE_WRITER)),
                        "volume_capability.mount.mount_flags"),
                Arguments.of(
                        "no access mode",
                        capability(new Capability(AccessType.MOUNT, "", List.of(), AccessMode.MISSING)),
                        "volume_capability.access_mode is required"),
                Arguments.of(
                        "unknown mode",
                        capability(new Capability(AccessType.MOUNT, "", List.of(), AccessMode.UNKNOWN)),
                        "volume_capability.access_mode UNKNOWN"),
                Arguments.of(
                        "reader only",
                        capability(new Capability(AccessType.MOUNT, "", List.of(), AccessMode.SINGLE_NODE_READER_ONLY)),
                        "volume_capability.access_mode SINGLE_NODE_READER_ONLY"),
                Arguments.of(
                        "multi reader only",
                        capability(new Capability(AccessType.MOUNT, "", List.of(), AccessMode.MULTI_NODE_READER_ONLY)),
                        "volume_capability.access_mode MULTI_NODE_READER_ONLY"),
                Arguments.of(
                        "no ephemeral flag", context(Map.of()), "volume_context[\"csi.storage.k8s.io/ephemeral\"]"),
                Arguments.of("ephemeral false", context(notEphemeral), "only ephemeral inline volumes"),
                Arguments.of(
                        "relative target",
                        with(v -> new PublishCommand(
                                v.volumeId(), "pods/x/mount", "", v.capability(), true, v.volumeContext())),
                        "target_path must be an absolute path"),
                Arguments.of(
                        "outside pods dir",
                        with(v -> new PublishCommand(
                                v.volumeId(), "/etc/mount", "", v.capability(), true, v.volumeContext())),
                        "target_path must be below"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("invalidPublishes")
    void invalidPublishIsRejectedNamingTheField(String name, PublishCommand command, String message) {
        VolumeException e = assertThrows(VolumeException.class, () -> lenient.validate(command));
        assertEquals(VolumeException.Reason.INVALID_ARGUMENT, e.reason());
        assertTrue(e.getMessage().contains(message), () -> "\"" + e.getMessage() + "\" lacks \"" + message + "\"");
    }

    @Test
    void validPublishBecomesAnSpiRequest() {
        PublishRequest request = lenient.validate(valid());
        assertEquals("vol-1", request.volumeId());
        assertEquals(Path.of(TARGET), request.targetPath());
        assertEquals("p", request.pod().name());
    }

    @Test
    void readWriteIsAcceptedByDefaultButNotWhenReadOnlyIsRequired() {
        PublishCommand readWrite = with(
                v -> new PublishCommand(v.volumeId(), v.targetPath(), "", v.capability(), false, v.volumeContext()));
        assertEquals(false, lenient.validate(readWrite).readOnly());
        VolumeException e = assertThrows(VolumeException.class, () -> strict.validate(readWrite));
        assertTrue(e.getMessage().startsWith("readonly must be true"), e.getMessage());
    }

    @Test
    void unpublishAndStatsNameTheirFields() {
        assertTrue(assertThrows(VolumeException.class, () -> lenient.validateUnpublish("", TARGET))
                .getMessage()
                .contains("volume_id"));
        assertTrue(assertThrows(VolumeException.class, () -> lenient.validateUnpublish("v", ""))
                .getMessage()
                .contains("target_path"));
        assertTrue(assertThrows(VolumeException.class, () -> lenient.validateStats("v", ""))
                .getMessage()
                .contains("volume_path is required"));
        assertTrue(assertThrows(VolumeException.class, () -> lenient.validateStats("", "/tmp/x"))
                .getMessage()
                .contains("volume_id"));
        // whether a path holds the volume is the engine's to answer (NOT_FOUND), however the path looks
        lenient.validateStats("v", "relative/path");
        lenient.validateStats("v", "/outside/the/pods/dir");
    }

    private static Map<String, String> validContextPlus(String key, String value) {
        Map<String, String> context = new HashMap<>(valid().volumeContext());
        context.put(key, value);
        return context;
    }

    static Stream<Arguments> hostileVolumeContexts() {
        return Stream.of(
                // the kubelet never sends this key; a pod can, and Kubernetes does not stop it
                Arguments.of(
                        "a pod's own key under the kubelet's prefix",
                        validContextPlus("csi.storage.k8s.io/junk", "x"),
                        "csi.storage.k8s.io/junk"),
                Arguments.of(
                        "a 1.4 MB value under the kubelet's prefix",
                        validContextPlus("csi.storage.k8s.io/junk", "x".repeat(1_400_000)),
                        "volume-context-max-bytes"),
                Arguments.of(
                        "a 1.4 MB pod attribute",
                        validContextPlus("csi.spiffe.io/contents", "x".repeat(1_400_000)),
                        "volume-context-max-bytes"),
                Arguments.of(
                        "100 KB pod name",
                        validContextPlus("csi.storage.k8s.io/pod.name", "p".repeat(100_000)),
                        "volume-context-max-bytes"),
                Arguments.of(
                        "pod name over 253",
                        validContextPlus("csi.storage.k8s.io/pod.name", "p".repeat(254)),
                        "csi.storage.k8s.io/pod.name"),
                Arguments.of(
                        "pod name with a newline",
                        validContextPlus("csi.storage.k8s.io/pod.name", "p\nq"),
                        "csi.storage.k8s.io/pod.name"),
                Arguments.of(
                        "namespace over 63",
                        validContextPlus("csi.storage.k8s.io/pod.namespace", "n".repeat(64)),
                        "csi.storage.k8s.io/pod.namespace"),
                Arguments.of(
                        "service account not a name",
                        validContextPlus("csi.storage.k8s.io/serviceAccount.name", "../x"),
                        "csi.storage.k8s.io/serviceAccount.name"),
                Arguments.of(
                        "pod uid that is a path",
                        validContextPlus("csi.storage.k8s.io/pod.uid", "../../etc"),
                        "csi.storage.k8s.io/pod.uid"),
                Arguments.of("many small keys adding up", manySmallKeys(), "volume-context-max-bytes"));
    }

    private static Map<String, String> manySmallKeys() {
        Map<String, String> context = new HashMap<>(valid().volumeContext());
        for (int i = 0; i < 4_000; i++) {
            context.put("k" + i, "v");
        }
        return context;
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("hostileVolumeContexts")
    void hostileVolumeContextIsRefusedWithAShortMessage(String name, Map<String, String> context, String names) {
        VolumeException e = assertThrows(VolumeException.class, () -> lenient.validate(context(context)));
        assertEquals(VolumeException.Reason.INVALID_ARGUMENT, e.reason());
        assertTrue(e.getMessage().contains(names), e.getMessage());
        assertTrue(e.getMessage().length() < 600, () -> e.getMessage().length() + " characters");
        assertTrue(!e.getMessage().contains("\n"), "an untrusted newline reached the message");
    }

    @Test
    void theSizeIsCheckedBeforeAnythingElse() {
        // no volume id, no capability, no target: the oversized context is what is reported
        PublishCommand command = new PublishCommand(
                "",
                "",
                "",
                null,
                true,
                validContextPlus("csi.spiffe.io/x", "x".repeat(RequestValidator.DEFAULT_VOLUME_CONTEXT_MAX_BYTES)));
        assertTrue(assertThrows(VolumeException.class, () -> lenient.validate(command))
                .getMessage()
                .contains("volume_context holds more than 16384 bytes"));
    }

    @Test
    void theLimitIsTheConfiguredOneCountedInUtf8() {
        RequestValidator small = new RequestValidator(new TargetPathPolicy(PODS), false, 1024);
        int kubelet = "csi.storage.k8s.io/ephemeral".length() + 4 + "csi.storage.k8s.io/pod.name".length() + 1;
        int room = 1024 - kubelet - "csi.spiffe.io/x".length();
        small.validate(context(validContextPlus("csi.spiffe.io/x", "x".repeat(room))));
        // the same number of characters, one of them two bytes long in UTF-8
        assertThrows(
                VolumeException.class,
                () -> small.validate(context(validContextPlus("csi.spiffe.io/x", "\u00e9" + "x".repeat(room - 1)))));
    }

    @Test
    void everyKeyTheKubeletSendsIsAccepted() {
        Map<String, String> context = new HashMap<>(Map.of(
                RequestValidator.EPHEMERAL,
                "true",
                "csi.storage.k8s.io/pod.name",
                "web-7d9c5b6f4-x2x9k",
                "csi.storage.k8s.io/pod.namespace",
                "shop",
                "csi.storage.k8s.io/pod.uid",
                "uid",
                "csi.storage.k8s.io/serviceAccount.name",
                "web.sa",
                "csi.storage.k8s.io/serviceAccount.tokens",
                "{\"spire\":{\"token\":\"t\"}}"));
        PublishRequest request = lenient.validate(context(context));
        assertEquals("shop/web-7d9c5b6f4-x2x9k", request.pod().displayName());
    }

    @Test
    void aPodsTargetMustBeTheKubeletsPathForThatPod() {
        Map<String, String> context = validContextPlus("csi.storage.k8s.io/pod.uid", "0a1b");
        String own = "/var/lib/kubelet/pods/0a1b/volumes/kubernetes.io~csi/spiffe/mount";
        lenient.validate(new PublishCommand("v", own, "", MOUNT_WRITER, true, context));
        for (String other : List.of(
                "/var/lib/kubelet/pods/ffff/volumes/kubernetes.io~csi/spiffe/mount", // another pod's directory
                "/var/lib/kubelet/pods/0a1b/volumes/kubernetes.io~secret/spiffe/mount",
                "/var/lib/kubelet/pods/0a1b/volumes/kubernetes.io~csi/spiffe/mount/deeper",
                "/var/lib/kubelet/pods/0a1b/volumes/kubernetes.io~csi/spiffe",
                "/var/lib/kubelet/pods/0a1b/etc-hosts")) {
            VolumeException e = assertThrows(
                    VolumeException.class,
                    () -> lenient.validate(new PublishCommand("v", other, "", MOUNT_WRITER, true, context)),
                    other);
            assertTrue(
                    e.getMessage().startsWith("target_path must be /var/lib/kubelet/pods/0a1b/volumes/"),
                    e.getMessage());
        }
    }
}
