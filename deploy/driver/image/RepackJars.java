import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import java.util.zip.CRC32;
import java.util.zip.ZipEntry;
import java.util.zip.ZipInputStream;
import java.util.zip.ZipOutputStream;

/**
 * image-root.sh's helper (a single-file program, run with the JDK's java launcher):
 * {@code RepackJars LIB [JAR...]} rewrites every jar in LIB in place, its entries stored instead of deflated, and
 * without the native libraries (*.so, *.jnilib, *.dll) of the JARs named, which image-root.sh unpacked into
 * native/ for this platform: the launcher loads them from there, never from a jar.
 * <p>
 * Why stored: the registry compresses the image's layer as a whole, and deflate across the layer does better on
 * the classes than each jar's deflate of one class at a time (BENCHMARKS.md, the image's size); the JVM then reads
 * the classes it does not find in the AOT cache without inflating them.
 */
public final class RepackJars {

    public static void main(String[] args) throws IOException {
        Path lib = Path.of(args[0]);
        Set<Path> withNatives = Stream.of(args).skip(1).map(a -> Path.of(a).toAbsolutePath().normalize())
                .collect(Collectors.toSet());
        List<Path> jars;
        try (Stream<Path> files = Files.list(lib)) {
            jars = files.filter(f -> f.getFileName().toString().endsWith(".jar")).sorted().toList();
        }
        for (Path jar : jars) {
            boolean dropNatives = withNatives.remove(jar.toAbsolutePath().normalize());
            int dropped = repack(jar, dropNatives);
            if (dropNatives && dropped == 0) {
                throw new IllegalStateException(jar + " holds no native library: image-root.sh's list is stale");
            }
        }
        if (!withNatives.isEmpty()) {
            throw new IllegalStateException("not jars in " + lib + ": " + withNatives);
        }
    }

    /** Rewrites {@code jar} with stored entries; returns how many native libraries it left out. */
    private static int repack(Path jar, boolean dropNatives) throws IOException {
        Path rewritten = jar.resolveSibling(jar.getFileName() + ".tmp");
        int dropped = 0;
        try (InputStream file = Files.newInputStream(jar);
             ZipInputStream in = new ZipInputStream(file);
             OutputStream target = Files.newOutputStream(rewritten);
             ZipOutputStream out = new ZipOutputStream(target)) {
            for (ZipEntry entry; (entry = in.getNextEntry()) != null; ) {
                if (dropNatives && isNative(entry.getName())) {
                    dropped++;
                    continue;
                }
                byte[] content = in.readAllBytes();
                CRC32 crc = new CRC32();
                crc.update(content);
                ZipEntry copy = new ZipEntry(entry.getName());
                copy.setMethod(ZipEntry.STORED);
                copy.setSize(content.length);
                copy.setCompressedSize(content.length);
                copy.setCrc(crc.getValue());
                copy.setLastModifiedTime(entry.getLastModifiedTime());
                out.putNextEntry(copy);
                out.write(content);
                out.closeEntry();
            }
        }
        Files.move(rewritten, jar, StandardCopyOption.REPLACE_EXISTING);
        return dropped;
    }

    private static boolean isNative(String entry) {
        return entry.endsWith(".so") || entry.endsWith(".jnilib") || entry.endsWith(".dll");
    }
}
