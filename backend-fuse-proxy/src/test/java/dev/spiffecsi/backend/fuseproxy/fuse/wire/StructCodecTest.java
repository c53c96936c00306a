package dev.spiffecsi.backend.fuseproxy.fuse.wire;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.Test;

/** Every struct against its byte layout in linux/fuse.h: field offsets, sizes, padding. */
@SuppressWarnings("ByteBufferBackingArray") // buffer() allocates heap buffers whose array starts at offset 0
class StructCodecTest {

    private static final Instant A = Instant.ofEpochSecond(1_700_000_001L, 111);
    private static final Instant M = Instant.ofEpochSecond(1_700_000_002L, 222);
    private static final Instant C = Instant.ofEpochSecond(1_700_000_003L, 333);
    private static final Attr ATTR = new Attr(2, 0100444, 1, 1000, 2000, 1500, A, M, C);

    private static ByteBuffer buffer(int size) {
        return ByteBuffer.allocate(size).order(ByteOrder.nativeOrder());
    }

    private static byte[] written(ByteBuffer out) {
        byte[] bytes = new byte[out.position()];
        out.duplicate().flip().get(bytes);
        return bytes;
    }

    /** fuse_attr as the kernel lays it out, at {@code base} of {@code b}. */
    private static void putExpectedAttr(ByteBuffer b, int base) {
        b.putLong(base, 2)
                .putLong(base + 8, 1500)
                .putLong(base + 16, 3) // size, 512-byte blocks
                .putLong(base + 24, 1_700_000_001L)
                .putLong(base + 32, 1_700_000_002L)
                .putLong(base + 40, 1_700_000_003L)
                .putInt(base + 48, 111)
                .putInt(base + 52, 222)
                .putInt(base + 56, 333)
                .putInt(base + 60, 0100444)
                .putInt(base + 64, 1)
                .putInt(base + 68, 1000)
                .putInt(base + 72, 2000)
                .putInt(base + 76, 0)
                .putInt(base + 80, 4096)
                .putInt(base + 84, 0);
    }

    @Test
    void inHeaderIsFortyBytesWithTotalExtlenAtThirtySix() {
        ByteBuffer b = buffer(InHeader.SIZE);
        b.putInt(0, 64)
                .putInt(4, Opcode.MKNOD)
                .putLong(8, 0x1122334455L)
                .putLong(16, 1)
                .putInt(24, 1000)
                .putInt(28, 2000)
                .putInt(32, 4242)
                .putShort(36, (short) 3)
                .putShort(38, (short) 0);
        InHeader header = InHeader.decode(b);
        assertEquals(new InHeader(64, Opcode.MKNOD, 0x1122334455L, 1, 1000, 2000, 4242, 3), header);
        assertEquals(InHeader.SIZE, b.position());
    }

    @Test
    void attrIsEightyEightBytes() {
        ByteBuffer out = buffer(Attr.SIZE);
        ATTR.encode(out);
        ByteBuffer expected = buffer(Attr.SIZE);
        putExpectedAttr(expected, 0);
        assertArrayEquals(expected.array(), written(out));
    }

    @Test
    void entryOutIsAHundredAndTwentyEightBytes() {
        ByteBuffer out = buffer(EntryOut.SIZE);
        new EntryOut(2, Duration.ofMillis(1500), Duration.ofSeconds(3, 7), ATTR).encode(out);
        ByteBuffer expected = buffer(128);
        expected.putLong(0, 2)
                .putLong(8, 0)
                .putLong(16, 1)
                .putLong(24, 3)
                .putInt(32, 500_000_000)
                .putInt(36, 7);
        putExpectedAttr(expected, 40);
        assertArrayEquals(expected.array(), written(out));
    }

    @Test
    void attrOutIsAHundredAndFourBytes() {
        ByteBuffer out = buffer(AttrOut.SIZE);
        new AttrOut(Duration.ofSeconds(1, 5), ATTR).encode(out);
        ByteBuffer expected = buffer(104);
        expected.putLong(0, 1).putInt(8, 5).putInt(12, 0);
        putExpectedAttr(expected, 16);
        assertArrayEquals(expected.array(), written(out));
    }

    @Test
    void initInDecodesTheSixteenByteAndTheExtendedSixtyFourByteForms() {
        ByteBuffer legacy = buffer(16);
        legacy.putInt(0, 7).putInt(4, 31).putInt(8, 131072).putInt(12, 0x3fffffff);
        assertEquals(new InitIn(7, 31, 131072), InitIn.decode(legacy));

        ByteBuffer extended = buffer(64);
        extended.putInt(0, 7).putInt(4, 45).putInt(8, 65536).putInt(12, 1 << 30).putInt(16, 0xff);
        assertEquals(new InitIn(7, 45, 65536), InitIn.decode(extended));
    }

    @Test
    void initOutIsSixtyFourBytes() {
        ByteBuffer out = buffer(InitOut.SIZE);
        new InitOut(7, 43, 131072, 0, 128 * 1024, 1).encode(out);
        ByteBuffer expected = buffer(64);
        expected.putInt(0, 7)
                .putInt(4, 43)
                .putInt(8, 131072)
                .putInt(12, 0)
                .putShort(16, (short) 0)
                .putShort(18, (short) 0)
                .putInt(20, 128 * 1024)
                .putInt(24, 1);
        assertArrayEquals(expected.array(), written(out));
    }

    @Test
    void mknodInIsSixteenBytes() {
        ByteBuffer b = buffer(MknodIn.SIZE);
        b.putInt(0, 0140700).putInt(4, 0).putInt(8, 077).putInt(12, 0);
        assertEquals(new MknodIn(0140700), MknodIn.decode(b));
        assertEquals(16, b.position());
    }

    @Test
    void setattrInIsEightyEightBytesWithModeUidGidAtSixtyEightSeventySixEighty() {
        ByteBuffer b = buffer(SetattrIn.SIZE);
        b.putInt(0, SetattrIn.FATTR_MODE | SetattrIn.FATTR_GID)
                .putLong(8, 99)
                .putLong(16, 12345)
                .putInt(68, 0666)
                .putInt(76, 1000)
                .putInt(80, 2000);
        assertEquals(new SetattrIn(SetattrIn.FATTR_MODE | SetattrIn.FATTR_GID, 0666, 1000, 2000), SetattrIn.decode(b));
        assertEquals(88, b.position());
    }

    @Test
    void readInIsFortyBytesWithOffsetAtEightAndSizeAtSixteen() {
        ByteBuffer b = buffer(ReadIn.SIZE);
        b.putLong(0, 77)
                .putLong(8, 2)
                .putInt(16, 4096)
                .putInt(20, 0)
                .putLong(24, 0)
                .putInt(32, 0x8000);
        assertEquals(new ReadIn(2, 4096), ReadIn.decode(b));
        assertEquals(40, b.position());
    }

    @Test
    void accessInIsEightBytes() {
        ByteBuffer b = buffer(8);
        b.putInt(0, 6);
        assertEquals(new AccessIn(6), AccessIn.decode(b));
        assertEquals(8, b.position());
    }

    @Test
    void openOutIsSixteenZeroBytes() {
        ByteBuffer out = buffer(OpenOut.SIZE);
        OpenOut.encode(out);
        assertArrayEquals(new byte[16], written(out));
    }

    @Test
    void direntsArePaddedToEightBytes() {
        byte[] name = "spire-agent.sock".getBytes(StandardCharsets.UTF_8); // 16: 24 + 16 = 40, aligned already
        Dirent socket = new Dirent(2, Dirent.DT_SOCK, name);
        Dirent dot = new Dirent(1, Dirent.DT_DIR, new byte[] {'.'}); // 25 -> 32
        Dirent odd = new Dirent(3, Dirent.DT_SOCK, "abcdefghi".getBytes(StandardCharsets.UTF_8)); // 33 -> 40
        assertEquals(40, socket.size());
        assertEquals(32, dot.size());
        assertEquals(40, odd.size());

        ByteBuffer out = buffer(32);
        dot.encode(out, 1);
        ByteBuffer expected = buffer(32);
        expected.putLong(0, 1).putLong(8, 1).putInt(16, 1).putInt(20, 4).put(24, (byte) '.');
        assertArrayEquals(expected.array(), written(out));

        out = buffer(40);
        socket.encode(out, 3);
        expected = buffer(40);
        expected.putLong(0, 2).putLong(8, 3).putInt(16, 16).putInt(20, 12).put(24, name);
        assertArrayEquals(expected.array(), written(out));
    }

    @Test
    void kstatfsIsEightyBytes() {
        ByteBuffer out = buffer(Kstatfs.SIZE);
        new Kstatfs(2, 0).encode(out);
        ByteBuffer expected = buffer(80);
        expected.putLong(24, 2).putLong(32, 0).putInt(40, 4096).putInt(44, 255).putInt(48, 4096);
        assertArrayEquals(expected.array(), written(out));
    }
}
