package io.ringfile.nativetest;

import io.ringfile.AsyncFile;
import io.ringfile.FileEngine;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static java.nio.file.StandardOpenOption.CREATE;
import static java.nio.file.StandardOpenOption.READ;
import static java.nio.file.StandardOpenOption.WRITE;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@link FileEngine.Builder#maxKernelWorkers(int, int)} bounds the io-wq threads the kernel starts for a ring. The
 * engine sends a read of a FUSE file to an io-wq worker of the task that submitted it (the ring's thread) at once
 * ({@code IOSQE_ASYNC}), where it waits for FUSE to fill the page; the kernel counts work sent that way as
 * "unbounded" (it sorts it before looking the file up: seen on Linux 6.18 with bounds (2, 6) and (6, 2), where the
 * reads were served by 6 and 2 workers), so the unbounded bound is the one that limits these reads. The FUSE opens
 * before them are bounded work, and leave an idle bounded worker behind. faultfs holds every read for a while, so
 * each pending read keeps a worker busy and the kernel starts another for the next, up to the limit. While the reads
 * are pending the test reads {@code /proc/self/task/TID/comm} of every thread of this process, again and again, and
 * counts the threads named {@code iou-wrk-RINGTID} (the workers of the engine's one ring), and among them those whose
 * kernel stack ({@code /proc/self/task/TID/stack}) is in {@code io_read}: the workers serving a read. Then every read
 * must complete with the file's bytes.
 *
 * <p>The mount caches file data ({@link FaultFs.Mode#WRITEBACK}), and each read is of a part of the file that nothing
 * has read before. Not direct I/O ({@link FaultFs.Mode#DIRECT_IO}): there the pending reads do not each hold a worker
 * (on Linux 6.18, 32 direct-I/O reads held 500 ms each were seen done in 1.5 s with a single worker for the ring), so
 * the bound would never be reached.
 *
 * <p>io_uring only: the NIO backend has no kernel workers. Needs root and /dev/fuse (faultfs); skips with the reason
 * where io_uring or FUSE cannot run.
 */
@ExtendWith(LeakCheck.class)
@Timeout(120)
class KernelWorkersTest {
    /** faultfs holds each read this long: long enough for every worker to be seen, short for the whole run. */
    private static final int DELAY_MILLIS = 500;
    private static final int FILES = 4;
    /** Reads this far apart share no page and no read-ahead window. */
    private static final int SPACING = 1 << 20;
    private static final int READ_SIZE = 64 * 1024;
    /** The io_uring rings' submission queue size, the engine's default (the kernel's bounded default depends on it). */
    private static final int RING_SIZE = 256;

    private static Path base;
    private static FaultFs fs;
    private static String skipReason;

    @BeforeAll
    static void mount() throws Exception {
        skipReason = Native.setUp(() -> {
            Native.assumeLinuxRoot();
            base = Files.createTempDirectory("ringfile-kernel-workers-");
            fs = FaultFs.mount(base, FaultFs.Mode.WRITEBACK);
        });
    }

    @AfterAll
    static void unmount() {
        if (fs != null) {
            fs.close();
        }
        ChildJvm.deleteTree(base);
    }

    @BeforeEach
    void noRules() {
        Native.assumeSetUp(skipReason);
        fs.clear();
    }

    /**
     * With bounds of 2 and 2, 32 slow reads at once are served by exactly 2 workers of the ring, never more, and the
     * ring never has more than 2 + 2 workers.
     */
    @Test
    void twoWorkersServeThirtyTwoSlowReads() throws Exception {
        int bound = 2;
        Seen seen = slowReads(FileEngine.builder().maxKernelWorkers(bound, bound), "kwtwo", 32);
        assertTrue(seen.maxReading <= bound, seen.maxReading + " of the ring's io-wq workers were reading at once, "
                + "bound " + bound + " (" + seen + ")");
        assertEquals(bound, seen.maxReading, "32 pending reads keep every allowed worker busy (" + seen + ")");
        assertTrue(seen.maxWorkers <= 2 * bound, "the ring had " + seen.maxWorkers + " io-wq workers at once, bounds "
                + bound + " and " + bound + " (" + seen + ")");
    }

    /**
     * The same scenario with 0 (the kernel's default) starts more than 2 workers: so the bound above is the
     * setting's doing, not the scenario's. The kernel's default for unbounded workers is the process's thread limit,
     * so the 32 reads get more workers than the engine's default bound too, which is why that default exists.
     */
    @Test
    void theKernelsDefaultStartsMoreThanTwo() throws Exception {
        Seen seen = slowReads(FileEngine.builder().maxKernelWorkers(0, 0), "kwzero", 32);
        assertTrue(seen.maxReading > 2, "with the kernel's default only " + seen.maxReading
                + " of the ring's io-wq workers were reading at once (" + seen + ")");
        assertTrue(seen.maxReading > FileEngine.Builder.DEFAULT_KERNEL_WORKERS, "with the kernel's default only "
                + seen.maxReading + " of the ring's io-wq workers were reading at once, no more than the engine's "
                + "default bound (" + seen + ")");
    }

    /**
     * The engine's default, 16 of each kind per ring, with 48 slow reads pending: exactly 16 workers reading at once
     * (the kernel's own default would give each read one), and never more than 16 + 16 workers.
     */
    @Test
    void theEngineDefaultBoundsWorkersToSixteen() throws Exception {
        int bound = FileEngine.Builder.DEFAULT_KERNEL_WORKERS;
        assertEquals(16, bound, "the documented default");
        Seen seen = slowReads(FileEngine.builder(), "kwdef", 48);
        assertTrue(seen.maxReading <= bound, seen.maxReading + " of the ring's io-wq workers were reading at once, "
                + "bound " + bound + " (" + seen + ")");
        assertEquals(bound, seen.maxReading, "48 pending reads keep every allowed worker busy (" + seen + ")");
        assertTrue(seen.maxWorkers <= 2 * bound, "the ring had " + seen.maxWorkers + " io-wq workers at once, bounds "
                + bound + " and " + bound + " (" + seen + ")");
    }

    // ---------------------------------------------------------------- the scenario

    /** What the sampling saw. */
    private static final class Seen {
        final String ringThread;
        final int before;
        final int maxWorkers;
        final int maxReading;
        final int maxAllWorkers;
        final int samples;
        final long millis;

        Seen(String ringThread, int before, int maxWorkers, int maxReading, int maxAllWorkers, int samples,
                long millis) {
            this.ringThread = ringThread;
            this.before = before;
            this.maxWorkers = maxWorkers;
            this.maxReading = maxReading;
            this.maxAllWorkers = maxAllWorkers;
            this.samples = samples;
            this.millis = millis;
        }

        @Override
        public String toString() {
            return "ring thread " + ringThread + ": " + before + " of its workers before the reads, at most "
                    + maxWorkers + " of its workers at once, at most " + maxReading + " of them reading, at most "
                    + maxAllWorkers + " iou-wrk threads in the process, " + samples + " samples, reads done in "
                    + millis + " ms";
        }
    }

    /**
     * An io_uring engine with one ring and {@code builder}'s worker setting issues {@code reads} reads of 64 KiB at
     * once, over four new files of the FUSE mount, which faultfs slows down; while any is pending, counts the ring's io-wq
     * workers; then checks that every read returned its bytes.
     */
    private static Seen slowReads(FileEngine.Builder builder, String prefix, int reads) throws Exception {
        // Files of this scenario only, written beside the mount (so the mount's page cache has none of them): at
        // each read's place 64 KiB of random bytes, holes between.
        byte[][] expected = new byte[reads][READ_SIZE];
        Random random = new Random(prefix.hashCode());
        for (int i = 0; i < reads; i++) {
            random.nextBytes(expected[i]);
            try (FileChannel backing = FileChannel.open(fs.backing(prefix + (i % FILES)), CREATE, WRITE)) {
                backing.write(ByteBuffer.wrap(expected[i]), position(i));
            }
        }
        try (FileEngine engine = Engines.start(builder.backend(FileEngine.Backend.IO_URING).rings(1)
                .ringSize(RING_SIZE).threadNamePrefix(prefix))) {
            List<AsyncFile> files = new ArrayList<>();
            try {
                for (int f = 0; f < FILES; f++) {
                    files.add(Engines.open(engine.open(fs.path(prefix + f), READ)));
                }
                String ringTid = ringThreadId(prefix);
                String workerName = "iou-wrk-" + ringTid;
                // The opens went through io-wq too (a FUSE open cannot finish inline): a worker may be idle already.
                int before = count(workerName);
                long fired = fs.fired();
                fs.rule("read", 0, 0, -1, DELAY_MILLIS);

                long start = System.nanoTime();
                List<CompletableFuture<Integer>> pending = new ArrayList<>();
                List<ByteBuffer> buffers = new ArrayList<>();
                for (int i = 0; i < reads; i++) {
                    ByteBuffer buffer = ByteBuffer.allocateDirect(READ_SIZE);
                    buffers.add(buffer);
                    pending.add(files.get(i % FILES).read(buffer, position(i)));
                }
                int maxWorkers = 0;
                int maxReading = 0;
                int maxAll = 0;
                int samples = 0;
                long deadline = start + TimeUnit.SECONDS.toNanos(Engines.WAIT_SECONDS);
                while (!pending.stream().allMatch(CompletableFuture::isDone)) {
                    assertTrue(System.nanoTime() < deadline, "reads still pending after " + Engines.WAIT_SECONDS
                            + " s");
                    int[] counts = countWorkers(workerName);
                    maxWorkers = Math.max(maxWorkers, counts[0]);
                    maxReading = Math.max(maxReading, counts[1]);
                    maxAll = Math.max(maxAll, counts[2]);
                    samples++;
                    Thread.sleep(2);
                }
                long millis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
                long held = fs.fired() - fired;
                fs.clear();

                for (int i = 0; i < reads; i++) {
                    assertEquals(READ_SIZE, Engines.await(pending.get(i)), "read " + i);
                    ByteBuffer buffer = buffers.get(i).flip();
                    byte[] got = new byte[buffer.remaining()];
                    buffer.get(got);
                    assertArrayEquals(expected[i], got, "bytes of read " + i);
                }
                // Each read is of its own part of the file, which nothing had cached: each reached faultfs.
                assertTrue(held >= reads, "faultfs held " + held + " reads, fewer than the " + reads + " made");
                Seen seen = new Seen(prefix + " tid " + ringTid, before, maxWorkers, maxReading, maxAll, samples, millis);
                System.out.println("KernelWorkersTest " + prefix + ", " + reads + " reads: " + seen + ", faultfs held "
                        + held + " reads");
                return seen;
            } finally {
                fs.clear();
                for (AsyncFile file : files) {
                    file.close();
                }
            }
        }
    }

    /** Where read {@code i} reads, in file {@code i % FILES}. */
    private static long position(int i) {
        return (long) (i / FILES) * SPACING;
    }

    /** The thread id of the engine's one ring thread, named {@code PREFIX-ring-...} (truncated to 15 characters). */
    private static String ringThreadId(String prefix) throws IOException {
        String start = prefix + "-ring";
        List<String> found = new ArrayList<>();
        for (Path task : tasks()) {
            String comm = comm(task);
            if (comm != null && comm.startsWith(start)) {
                found.add(task.getFileName().toString());
            }
        }
        assertEquals(1, found.size(), "threads named " + start + "*: " + found);
        return found.get(0);
    }

    /** The threads named {@code name} now. */
    private static int count(String name) throws IOException {
        return countWorkers(name)[0];
    }

    /**
     * How many threads are named {@code workerName}, how many of those are in a read (their kernel stack has
     * {@code io_read}), and how many are io-wq workers of any task.
     */
    private static int[] countWorkers(String workerName) throws IOException {
        int mine = 0;
        int reading = 0;
        int all = 0;
        for (Path task : tasks()) {
            String comm = comm(task);
            if (comm == null) {
                continue;
            }
            if (comm.equals(workerName)) {
                mine++;
                if (inRead(task)) {
                    reading++;
                }
            }
            if (comm.startsWith("iou-wrk-")) {
                all++;
            }
        }
        return new int[] {mine, reading, all};
    }

    /** Whether the thread's kernel stack is in io_uring's read; false when it ended while being read. */
    private static boolean inRead(Path task) throws IOException {
        try {
            for (String frame : Files.readAllLines(task.resolve("stack"))) {
                if (frame.contains(" io_read+")) {
                    return true;
                }
            }
            return false;
        } catch (NoSuchFileException e) {
            return false;
        } catch (IOException e) {
            if (!Files.exists(task)) {
                return false;
            }
            throw e;
        }
    }

    private static List<Path> tasks() throws IOException {
        List<Path> tasks = new ArrayList<>();
        try (DirectoryStream<Path> dir = Files.newDirectoryStream(Path.of("/proc/self/task"))) {
            dir.forEach(tasks::add);
        }
        return tasks;
    }

    /** A thread's name, or null when it ended while being listed. */
    private static String comm(Path task) throws IOException {
        try {
            return Files.readString(task.resolve("comm")).strip();
        } catch (NoSuchFileException e) {
            return null;
        } catch (IOException e) {
            if (!Files.exists(task)) {
                return null;
            }
            throw e;
        }
    }
}
