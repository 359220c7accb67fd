package io.ringfile.nativetest;

import io.ringfile.AsyncFile;
import io.ringfile.FileEngine;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicIntegerArray;

import static io.ringfile.nativetest.Engines.WAIT_SECONDS;
import static io.ringfile.nativetest.Engines.await;
import static java.nio.file.StandardOpenOption.CREATE_NEW;
import static java.nio.file.StandardOpenOption.READ;
import static java.nio.file.StandardOpenOption.WRITE;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * 100,000 operations submitted at once from four threads to one ring of eight submission entries: every future
 * completes exactly once, successfully (no submission error reaches the user), every byte is where it belongs, and
 * the file closes afterwards. The NIO backend runs the same burst for comparison.
 */
@ExtendWith(LeakCheck.class)
@Timeout(180)
class TinyRingBurstTest {
    private static final int OPS = 100_000;
    private static final int RECORD = 16;
    private static final int THREADS = 4;

    @TempDir
    Path dir;

    @Test
    void aHundredThousandOperationsOnAnIoUringRingOfEightAllCompleteOnce() throws Exception {
        burstThenClose(FileEngine.Backend.IO_URING);
    }

    @Test
    void theSameBurstOnNioAllCompletesOnce() throws Exception {
        burstThenClose(FileEngine.Backend.NIO);
    }

    private void burstThenClose(FileEngine.Backend backend) throws Exception {
        Path path = dir.resolve("burst.bin");
        // 100,000 at once is past the engine's default limits (4,096 in flight + 65,536 queued), which would refuse
        // some of them: this test is about the ring's own backlog, so the queue may hold them all.
        try (FileEngine engine = Engines.start(FileEngine.builder().backend(backend).rings(1).ringSize(8)
                .maxQueued(1 << 20));
             AsyncFile file = Engines.open(engine.open(path, CREATE_NEW, READ, WRITE))) {
            ByteBuffer out = ByteBuffer.allocateDirect(OPS * RECORD).order(ByteOrder.LITTLE_ENDIAN);
            for (int i = 0; i < OPS; i++) {
                out.putLong(i * RECORD, i).putLong(i * RECORD + 8, ~(long) i);
            }
            burst(i -> file.write(slice(out, i), (long) i * RECORD), "write");
            assertEquals((long) OPS * RECORD, await(file.size()));

            ByteBuffer in = ByteBuffer.allocateDirect(OPS * RECORD).order(ByteOrder.LITTLE_ENDIAN);
            burst(i -> file.read(slice(in, i), (long) i * RECORD), "read");
            for (int i = 0; i < OPS; i++) {
                assertEquals(i, in.getLong(i * RECORD), "record " + i);
                assertEquals(~(long) i, in.getLong(i * RECORD + 8), "record " + i);
            }
        }
        byte[] onDisk = Files.readAllBytes(path);
        ByteBuffer disk = ByteBuffer.wrap(onDisk).order(ByteOrder.LITTLE_ENDIAN);
        for (int i = 0; i < OPS; i += 997) {
            assertEquals(i, disk.getLong(i * RECORD));
        }
    }

    private static ByteBuffer slice(ByteBuffer whole, int record) {
        return whole.duplicate().position(record * RECORD).limit((record + 1) * RECORD).slice();
    }

    private interface Submit {
        CompletableFuture<Integer> op(int record);
    }

    /** Submits all records at once from {@link #THREADS} threads, then checks each op completed once with 16. */
    private static void burst(Submit submit, String what) throws Exception {
        AtomicIntegerArray completions = new AtomicIntegerArray(OPS);
        ConcurrentLinkedQueue<String> problems = new ConcurrentLinkedQueue<>();
        CountDownLatch done = new CountDownLatch(OPS);
        CountDownLatch go = new CountDownLatch(1);
        ExecutorService pool = Executors.newFixedThreadPool(THREADS);
        try {
            List<Future<?>> submitters = new ArrayList<>();
            for (int t = 0; t < THREADS; t++) {
                int first = t;
                submitters.add(pool.submit(() -> {
                    go.await();
                    for (int i = first; i < OPS; i += THREADS) {
                        int record = i;
                        submit.op(record).whenComplete((n, error) -> {
                            if (completions.incrementAndGet(record) != 1) {
                                problems.add(what + " " + record + " completed twice");
                            }
                            if (error != null) {
                                problems.add(what + " " + record + " failed: " + error);
                            } else if (n != RECORD) {
                                problems.add(what + " " + record + " transferred " + n);
                            }
                            done.countDown();
                        });
                    }
                    return null;
                }));
            }
            go.countDown();
            for (Future<?> submitter : submitters) {
                submitter.get(WAIT_SECONDS, TimeUnit.SECONDS);
            }
            assertTrue(done.await(WAIT_SECONDS, TimeUnit.SECONDS),
                    () -> done.getCount() + " of " + OPS + " " + what + "s never completed");
        } finally {
            pool.shutdownNow();
        }
        assertTrue(problems.isEmpty(), () -> problems.size() + " problems, first: " + problems.peek());
        for (int i = 0; i < OPS; i++) {
            assertEquals(1, completions.get(i), what + " " + i);
        }
    }
}
