package io.ringfile;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

import static java.nio.file.StandardOpenOption.READ;
import static java.nio.file.StandardOpenOption.WRITE;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * io_uring only: one regular file's reads and writes spread over every ring, and a close still lets everything
 * submitted before it finish normally. Skipped with the reason where io_uring cannot run.
 */
@Timeout(120)
class IoUringRingsTest {
    @TempDir
    Path dir;
    private FileEngine engine;

    @BeforeEach
    void start() {
        try {
            engine = FileEngine.builder().backend(FileEngine.Backend.IO_URING).rings(2).inlineCompletion(true)
                    .threadNamePrefix("rings-test").build();
        } catch (UnsupportedOperationException e) {
            Assumptions.abort("io_uring cannot run here: " + e.getMessage());
        }
    }

    @AfterEach
    void stop() {
        if (engine != null) {
            engine.close();
        }
    }

    @Test
    void oneFilesReadsRunOnEveryRing() throws Exception {
        Path path = Files.write(dir.resolve("spread.bin"), new byte[2 << 20]);
        Set<String> threads = ConcurrentHashMap.newKeySet();
        // Reads past what a read on the caller's thread takes (1 MiB), so that every one goes to a ring.
        List<ByteBuffer> buffers = new ArrayList<>();
        for (int i = 0; i < 64; i++) {
            buffers.add(ByteBuffer.allocateDirect((1 << 20) + 4096));
        }
        try (AsyncFile file = engine.open(path, READ).get(30, TimeUnit.SECONDS)) {
            // Inline completion: a dependent registered in time runs on the thread of the ring that did the read
            // (one registered too late runs here and is not counted); a few rounds catch both rings.
            for (int round = 0; round < 50 && threads.size() < 2; round++) {
                List<CompletableFuture<?>> reads = new ArrayList<>();
                for (int i = 0; i < 64; i++) {
                    reads.add(file.read(buffers.get(i).clear(), i * 4096L).thenRun(() -> {
                        if (Thread.currentThread().getName().startsWith("rings-test")) {
                            threads.add(Thread.currentThread().getName());
                        }
                    }));
                }
                CompletableFuture.allOf(reads.toArray(new CompletableFuture<?>[0])).get(30, TimeUnit.SECONDS);
            }
        }
        assertEquals(2, threads.size(), "reads of one file ran on " + threads);
    }

    @Test
    void everyOperationSubmittedBeforeCloseCompletesNormally() throws Exception {
        byte[] content = new byte[4 << 20];
        new Random(3).nextBytes(content);
        Path path = Files.write(dir.resolve("before-close.bin"), content);
        for (int round = 0; round < 20; round++) {
            AsyncFile file = engine.open(path, READ, WRITE).get(30, TimeUnit.SECONDS);
            List<CompletableFuture<Integer>> reads = new ArrayList<>();
            List<ByteBuffer> buffers = new ArrayList<>();
            for (int i = 0; i < 256; i++) {
                ByteBuffer buffer = ByteBuffer.allocateDirect(16384);
                buffers.add(buffer);
                reads.add(file.read(buffer, i * 16384L));
            }
            CompletableFuture<Void> closed = file.closeAsync();
            for (int i = 0; i < reads.size(); i++) {
                assertEquals(16384, reads.get(i).get(30, TimeUnit.SECONDS), "read " + i + " of round " + round);
                byte[] got = new byte[16384];
                buffers.get(i).flip().get(got);
                byte[] expected = new byte[16384];
                System.arraycopy(content, i * 16384, expected, 0, 16384);
                assertArrayEquals(expected, got, "read " + i + " of round " + round);
            }
            closed.get(30, TimeUnit.SECONDS);
        }
    }

    @Test
    void sizeAndForceStillWorkWhileReadsSpread() throws IOException, Exception {
        Path path = Files.write(dir.resolve("mixed.bin"), new byte[8192]);
        try (AsyncFile file = engine.open(path, READ, WRITE).get(30, TimeUnit.SECONDS)) {
            List<CompletableFuture<?>> ops = new ArrayList<>();
            for (int i = 0; i < 100; i++) {
                ops.add(file.write(ByteBuffer.allocateDirect(4096), (i % 2) * 4096L));
                ops.add(file.size());
            }
            ops.add(file.force(true));
            CompletableFuture.allOf(ops.toArray(new CompletableFuture<?>[0])).get(30, TimeUnit.SECONDS);
            assertEquals(8192L, file.size().get(30, TimeUnit.SECONDS));
        }
    }
}
