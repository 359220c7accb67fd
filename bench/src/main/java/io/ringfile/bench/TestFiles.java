package io.ringfile.bench;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Locale;

/**
 * The files benchmarks run on. They live in {@code ringfile.bench.dir} (default {@code $TMPDIR/ringfile-bench}), a
 * directory on a real file system (ext4 on /tmp here; tmpfs would show memory speed, not a file system). A data
 * file is made once per size and reused by later forks and benchmarks: bench/run-jmh.sh deletes the directory when
 * the suite ends.
 */
final class TestFiles {
    private TestFiles() {
    }

    static Path dir() {
        String configured = System.getProperty("ringfile.bench.dir");
        Path dir = configured != null ? Path.of(configured)
                : Path.of(System.getProperty("java.io.tmpdir"), "ringfile-bench");
        try {
            return Files.createDirectories(dir);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Parses sizes such as {@code 4096}, {@code 64k}, {@code 256m}, {@code 1g} (binary units). */
    static long parseSize(String text) {
        String s = text.trim().toLowerCase(Locale.ROOT);
        long unit = 1;
        char last = s.charAt(s.length() - 1);
        if (last == 'k' || last == 'm' || last == 'g') {
            unit = last == 'k' ? 1L << 10 : last == 'm' ? 1L << 20 : 1L << 30;
            s = s.substring(0, s.length() - 1);
        } else if (s.endsWith("kib") || s.endsWith("mib") || s.endsWith("gib")) {
            return parseSize(s.substring(0, s.length() - 2));
        }
        return Long.parseLong(s) * unit;
    }

    static String formatSize(long bytes) {
        if (bytes >= 1L << 30 && bytes % (1L << 30) == 0) {
            return bytes / (1L << 30) + " GiB";
        }
        if (bytes >= 1L << 20 && bytes % (1L << 20) == 0) {
            return bytes / (1L << 20) + " MiB";
        }
        if (bytes >= 1L << 10 && bytes % (1L << 10) == 0) {
            return bytes / (1L << 10) + " KiB";
        }
        return bytes + " B";
    }

    /** The shared read-only data file of {@code size} bytes, created (and fsynced) if missing. */
    static Path dataFile(long size) throws IOException {
        Path file = dir().resolve("data-" + size + ".bin");
        if (!Files.exists(file) || Files.size(file) != size) {
            create(file, size);
        }
        return file;
    }

    /** Writes {@code size} bytes of incompressible data to {@code file} and fsyncs it. */
    static void create(Path file, long size) throws IOException {
        Path partial = file.resolveSibling(file.getFileName() + ".partial");
        ByteBuffer block = ByteBuffer.allocateDirect(1 << 20);
        Buffers.fill(block);
        try (FileChannel channel = FileChannel.open(partial, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                StandardOpenOption.TRUNCATE_EXISTING)) {
            long position = 0;
            long counter = 0;
            while (position < size) {
                block.clear();
                block.putLong(0, counter++); // every MiB differs
                block.limit((int) Math.min(block.capacity(), size - position));
                while (block.hasRemaining()) {
                    position += channel.write(block, position);
                }
            }
            channel.force(true);
        }
        Files.move(partial, file, java.nio.file.StandardCopyOption.REPLACE_EXISTING,
                java.nio.file.StandardCopyOption.ATOMIC_MOVE);
    }

    /** Reads the whole file once so that it is in the page cache ("hot"). */
    static void warm(Path file) throws IOException {
        ByteBuffer buffer = ByteBuffer.allocateDirect(1 << 20);
        try (FileChannel channel = FileChannel.open(file, StandardOpenOption.READ)) {
            long position = 0;
            while (true) {
                buffer.clear();
                int n = channel.read(buffer, position);
                if (n < 0) {
                    break;
                }
                position += n;
            }
        }
    }

    /**
     * Drops {@code file} from the page cache (posix_fadvise DONTNEED, through GNU dd's nocache flag; the file must
     * have been written back, as {@link #create} leaves it) and returns how many of its bytes stay resident, as
     * {@code fincore} counts them.
     */
    static long dropFromCache(Path file) throws IOException {
        run("dd", "if=" + file, "iflag=nocache", "count=0", "status=none");
        return Long.parseLong(run("fincore", "--noheadings", "--bytes", "--output", "RES", file.toString()).trim());
    }

    private static String run(String... command) throws IOException {
        Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
        String out = new String(process.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
        try {
            if (process.waitFor() != 0) {
                throw new IOException(String.join(" ", command) + " failed: " + out);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new java.io.InterruptedIOException(String.join(" ", command));
        }
        return out;
    }
}
