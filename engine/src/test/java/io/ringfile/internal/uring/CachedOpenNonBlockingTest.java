package io.ringfile.internal.uring;

import com.sun.nio.file.ExtendedOpenOption;
import io.netty.channel.uring.IoUring;
import io.ringfile.AsyncFile;
import io.ringfile.FileEngine;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import static java.nio.file.StandardOpenOption.CREATE_NEW;
import static java.nio.file.StandardOpenOption.READ;
import static java.nio.file.StandardOpenOption.WRITE;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A read-only open made on the caller's thread ({@code openat2} with {@code RESOLVE_CACHED}, JDK 22+) leaves
 * O_NONBLOCK on the descriptor until the file's first operation through a ring, which io_uring would otherwise take
 * as "never wait" (a read of data not in memory then fails with EAGAIN). Here the file's data is not in the page
 * cache (written with O_DIRECT), so every read misses on the caller's thread and goes to the ring: each must return
 * the data, and the flag must be gone after the first. The flag itself is checked: a 6.x kernel ignores O_NONBLOCK
 * for reads of files whose file system can say "would wait" (ext4, say: io_uring's REQ_F_SUPPORT_NOWAIT), so there
 * the reads succeed either way; older kernels, and file systems without that support, fail them.
 */
@Timeout(60)
class CachedOpenNonBlockingTest {
    private static final int O_NONBLOCK = 04000;
    private static final int FILE_SIZE = 16 << 20;
    private static final int STRIDE = 256 << 10; // beyond the readahead a miss starts
    private static final int READ_SIZE = 4096;

    @TempDir
    Path dir;

    @Test
    void readsThatMissTheCacheGoThroughTheRingAfterTheOpensNonBlockingFlagIsCleared() throws Exception {
        Assumptions.assumeTrue(IoUring.isAvailable(),
                () -> "io_uring cannot run here: " + IoUring.unavailabilityCause());
        Assumptions.assumeTrue(NoWaitCalls.available(), () -> "no calls on the caller's thread: "
                + NoWaitCalls.unavailabilityCause());
        Path data = dir.resolve("cold.bin");
        byte[] content = new byte[FILE_SIZE];
        new Random(11).nextBytes(content);
        writeWithoutCaching(data, content);

        try (FileEngine engine = FileEngine.builder().backend(FileEngine.Backend.IO_URING).rings(1).build()) {
            long missesBefore = NoWaitCalls.misses();
            try (AsyncFile file = engine.open(data, READ).get(10, TimeUnit.SECONDS)) {
                int fd = descriptorOf(data);
                assertTrue((statusFlags(fd) & O_NONBLOCK) != 0,
                        "opened on the caller's thread, O_NONBLOCK kept (else this tests nothing)");
                for (int position = 0; position < FILE_SIZE; position += STRIDE) {
                    ByteBuffer into = ByteBuffer.allocateDirect(READ_SIZE);
                    int n = file.readFully(into, position).get(10, TimeUnit.SECONDS);
                    assertEquals(READ_SIZE, n);
                    byte[] got = new byte[READ_SIZE];
                    into.flip().get(got);
                    assertArrayEquals(Arrays.copyOfRange(content, position, position + READ_SIZE), got,
                            "bytes at " + position);
                }
                assertTrue(NoWaitCalls.misses() > missesBefore, "reads missed the cache and went to the ring");
                assertEquals(0, statusFlags(fd) & O_NONBLOCK, "O_NONBLOCK cleared by the first ring operation");
            }
        }
    }

    /** Writes {@code content} with O_DIRECT: the page cache keeps none of it. */
    private static void writeWithoutCaching(Path path, byte[] content) throws IOException {
        try (FileChannel channel = FileChannel.open(path, CREATE_NEW, WRITE, ExtendedOpenOption.DIRECT)) {
            int block = (int) Files.getFileStore(path).getBlockSize();
            ByteBuffer aligned = ByteBuffer.allocateDirect((1 << 20) + block).alignedSlice(block);
            aligned.limit(1 << 20);
            for (int at = 0; at < content.length; at += 1 << 20) {
                aligned.clear().limit(1 << 20);
                aligned.put(content, at, 1 << 20).flip();
                while (aligned.hasRemaining()) {
                    channel.write(aligned, at + aligned.position());
                }
            }
        } catch (UnsupportedOperationException | IOException e) {
            Assumptions.abort("O_DIRECT cannot be used in " + path.getParent() + ": " + e);
        }
    }

    /** The one descriptor of this process open on {@code path}. */
    private static int descriptorOf(Path path) throws IOException {
        String real = path.toRealPath().toString();
        List<Integer> found;
        try (Stream<Path> fds = Files.list(Path.of("/proc/self/fd"))) {
            found = fds.filter(fd -> {
                try {
                    return Files.readSymbolicLink(fd).toString().equals(real);
                } catch (IOException gone) {
                    return false;
                }
            }).map(fd -> Integer.parseInt(fd.getFileName().toString())).toList();
        }
        assertEquals(1, found.size(), () -> "descriptors open on " + real + ": " + found);
        return found.get(0);
    }

    /** The descriptor's status flags, from {@code /proc/self/fdinfo} (octal). */
    private static int statusFlags(int fd) throws IOException {
        for (String line : Files.readAllLines(Path.of("/proc/self/fdinfo/" + fd))) {
            if (line.startsWith("flags:")) {
                return Integer.parseInt(line.substring("flags:".length()).trim(), 8);
            }
        }
        throw new AssertionError("no flags in /proc/self/fdinfo/" + fd);
    }
}
