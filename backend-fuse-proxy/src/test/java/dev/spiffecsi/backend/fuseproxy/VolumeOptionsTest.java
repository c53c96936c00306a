package dev.spiffecsi.backend.fuseproxy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.spiffecsi.backend.fuseproxy.files.FileOptions;
import dev.spiffecsi.backend.fuseproxy.protocol.FileLayout;
import dev.spiffecsi.spi.BackendException;
import dev.spiffecsi.spi.PodInfo;
import dev.spiffecsi.spi.PublishRequest;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalInt;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The volume attributes a pod sets, read without mounting anything: who may read the key, and the limits that keep
 * a hostile value from costing the driver more than its first items or from being echoed into logs and statuses.
 */
class VolumeOptionsTest {

    private static final Path TARGET = Path.of("/var/lib/kubelet/pods/uid/volumes/kubernetes.io~csi/v/mount");
    /** What an error may quote of a value, with the attribute's name and the words around it. */
    private static final int SHORT_MESSAGE = 600;

    private static PublishRequest request(OptionalInt volumeMountGroup, String... attributes) {
        Map<String, String> context = new HashMap<>(Map.of(
                PodInfo.POD_NAME,
                "web",
                PodInfo.POD_NAMESPACE,
                "default",
                PodInfo.POD_UID,
                "uid",
                PodInfo.SERVICE_ACCOUNT,
                "web",
                "csi.storage.k8s.io/ephemeral",
                "true"));
        for (int i = 0; i < attributes.length; i += 2) {
            context.put(attributes[i], attributes[i + 1]);
        }
        return new PublishRequest("vol-1", TARGET, true, PodInfo.fromVolumeContext(context), context, volumeMountGroup);
    }

    private static FileOptions files(OptionalInt volumeMountGroup, String... attributes) {
        String[] withFiles = new String[attributes.length + 2];
        withFiles[0] = VolumeOptions.CONTENTS;
        withFiles[1] = "files";
        System.arraycopy(attributes, 0, withFiles, 2, attributes.length);
        return VolumeOptions.of(request(volumeMountGroup, withFiles)).files().orElseThrow();
    }

    private static String refusal(PublishRequest request) {
        BackendException e = assertThrows(BackendException.class, () -> VolumeOptions.of(request));
        assertEquals(BackendException.Failure.INVALID_REQUEST, e.failure());
        return e.getMessage();
    }

    private static String refusal(String attribute, String value) {
        return refusal(request(OptionalInt.empty(), VolumeOptions.CONTENTS, "files", attribute, value));
    }

    @Test
    void withThePodsFsGroupTheKeyIsReadableByRootAndThatGroup() {
        FileOptions options = files(OptionalInt.of(2000));
        assertEquals(0440, options.keyMode());
        assertEquals(OptionalInt.of(2000), options.keyGroup());
    }

    @Test
    void withoutAnyGroupTheKeyIsReadableByRootOnlyNeverByEveryUidOfThePod() {
        FileOptions options = files(OptionalInt.empty());
        assertEquals(0400, options.keyMode());
        assertEquals(OptionalInt.empty(), options.keyGroup(), "root's group");
    }

    @Test
    void anExplicitKeyGroupWinsOverTheFsGroup() {
        FileOptions options = files(OptionalInt.of(2000), VolumeOptions.KEY_GROUP, "3000");
        assertEquals(0440, options.keyMode());
        assertEquals(OptionalInt.of(3000), options.keyGroup());
        assertEquals(
                OptionalInt.of(3000),
                files(OptionalInt.empty(), VolumeOptions.KEY_GROUP, "3000").keyGroup());
    }

    /** Every mode with read bits only is accepted as asked, with or without a group. */
    @ParameterizedTest
    @ValueSource(strings = {"0000", "0004", "0040", "0044", "0400", "0404", "0440", "0444", "400", "440", "444"})
    void eachReadOnlyKeyModeIsTakenAsAsked(String mode) {
        assertEquals(
                Integer.parseInt(mode, 8),
                files(OptionalInt.empty(), VolumeOptions.KEY_MODE, mode).keyMode());
        FileOptions grouped = files(OptionalInt.of(2000), VolumeOptions.KEY_MODE, mode);
        assertEquals(Integer.parseInt(mode, 8), grouped.keyMode());
        assertEquals(OptionalInt.of(2000), grouped.keyGroup());
    }

    @ParameterizedTest
    @ValueSource(strings = {"0640", "0600", "0444 ", "0o444", "0x124", "292", "04440", "", "0\n444"})
    void aKeyModeWithOtherThanReadBitsIsRefused(String mode) {
        String message = refusal(VolumeOptions.KEY_MODE, mode);
        assertTrue(message.startsWith("volume attribute \"" + VolumeOptions.KEY_MODE + "\""), message);
        assertFalse(message.contains("\n"), message);
    }

    @Test
    void theVolumeMountGroupDoesNotMakeASocketOnlyVolumeRefused() {
        VolumeOptions options = VolumeOptions.of(request(OptionalInt.of(2000)));
        assertTrue(options.socket());
        assertTrue(options.files().isEmpty());
    }

    @Test
    void sixteenAudiencesAreAcceptedInTheirOrder() {
        List<String> audiences =
                IntStream.rangeClosed(1, 16).mapToObj(i -> "aud-" + i).toList();
        assertEquals(
                audiences,
                files(OptionalInt.empty(), VolumeOptions.JWT_AUDIENCES, " " + String.join(" , ", audiences) + " ")
                        .jwtAudiences());
    }

    /**
     * The 17th audience ends the reading: what comes after it (here an empty audience, which would be refused with
     * its own message) is never looked at.
     */
    @Test
    void theSeventeenthAudienceIsRefusedBeforeAnyLaterOneIsRead() {
        String value = IntStream.rangeClosed(1, 17).mapToObj(i -> "aud-" + i).collect(Collectors.joining(",")) + ",,\n";
        assertEquals(
                "volume attribute \"" + VolumeOptions.JWT_AUDIENCES + "\" names more than 16 audiences",
                refusal(VolumeOptions.JWT_AUDIENCES, value));
    }

    /**
     * 40,000 audiences in 1.4 MB, the last one empty: refused at the 17th with a short message naming the
     * attribute, not after comparing each with all before it and then quoting the whole value.
     */
    @Test
    void aHugeAudienceListIsRefusedAtTheCapWithAShortMessage() {
        String value = IntStream.range(0, 40_000)
                        .mapToObj(i -> String.format("https://audience-%016d.test", i))
                        .collect(Collectors.joining(","))
                + ",";
        assertTrue(value.length() > 1_400_000, "1.4 MB: " + value.length());
        long started = System.nanoTime();
        String message = refusal(VolumeOptions.JWT_AUDIENCES, value);
        System.out.printf(
                "jwt-audiences: %d characters, 40,000 audiences refused in %.3f ms%n",
                value.length(), (System.nanoTime() - started) / 1e6);

        assertTrue(message.length() < SHORT_MESSAGE, message.length() + " characters");
        assertTrue(message.contains("\"" + VolumeOptions.JWT_AUDIENCES + "\""), message);
    }

    @Test
    void anAudienceTooLongForAFileNameIsRefusedWithoutQuotingIt() {
        String longest = "a".repeat(VolumeOptions.MAX_AUDIENCE_CHARS);
        assertEquals(
                List.of(longest),
                files(OptionalInt.empty(), VolumeOptions.JWT_AUDIENCES, longest).jwtAudiences());
        assertEquals(255, (longest + FileLayout.JWT_SVID_SUFFIX).length(), "NAME_MAX");

        String message = refusal(VolumeOptions.JWT_AUDIENCES, "db," + "a".repeat(1_400_000));
        assertTrue(message.length() < SHORT_MESSAGE, message.length() + " characters");
        assertTrue(message.contains("audience 2 is longer than " + VolumeOptions.MAX_AUDIENCE_CHARS), message);
        // percent-encoding triples what is not a letter, digit or -._~
        assertTrue(refusal(VolumeOptions.JWT_AUDIENCES, "/".repeat(100)).contains("too long for a file name"));
    }

    /** Each attribute's wrong value: INVALID_ARGUMENT naming it, quoting a short, escaped prefix of the value. */
    @ParameterizedTest(name = "{0}")
    @CsvSource({
        VolumeOptions.CONTENTS + ", files,",
        VolumeOptions.FILE_LAYOUT + ", x",
        VolumeOptions.JWT_AUDIENCES + ", db,,",
        VolumeOptions.FEDERATED_BUNDLES + ", x",
        VolumeOptions.KEY_MODE + ", x",
        VolumeOptions.KEY_GROUP + ", x",
    })
    void aHugeWrongValueIsQuotedTruncatedAndEscaped(String attribute, String prefix) {
        String value = prefix + "\n2026-01-01 INFO forged line\r\u0007" + "z".repeat(1_400_000);
        String message = refusal(attribute, value);

        assertTrue(message.startsWith("volume attribute \"" + attribute + "\" "), message);
        assertTrue(message.length() < SHORT_MESSAGE, message.length() + " characters");
        assertFalse(message.contains("\n") || message.contains("\r") || message.contains("\u0007"), message);
    }

    @Test
    void contentsStopsAtItsThirdItem() {
        String message =
                refusal(request(OptionalInt.empty(), VolumeOptions.CONTENTS, "socket,files," + ",".repeat(1_400_000)));
        assertTrue(message.startsWith("volume attribute \"" + VolumeOptions.CONTENTS + "\" must be"), message);
        assertTrue(message.length() < SHORT_MESSAGE, message.length() + " characters");
        assertEquals(
                2,
                VolumeOptions.of(request(OptionalInt.empty(), VolumeOptions.CONTENTS, " files , socket "))
                        .files()
                        .map(files -> 2)
                        .orElse(0));
    }

    @Test
    void aControlCharacterInAnAudienceIsEscapedInTheMessage() {
        String message = refusal(VolumeOptions.JWT_AUDIENCES, "db,a\u001b[31mred");
        assertTrue(message.contains("\"a\\x1b[31mred\""), message);
    }
}
