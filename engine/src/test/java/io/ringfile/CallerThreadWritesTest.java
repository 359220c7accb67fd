package io.ringfile;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.PooledByteBufAllocator;
import io.netty.channel.uring.IoUring;
import io.netty.util.concurrent.FastThreadLocalThread;
import io.ringfile.internal.uring.NoWaitCalls;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.OpenOption;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Arrays;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

import static io.ringfile.ContractSupport.await;
import static java.nio.file.StandardOpenOption.READ;
import static java.nio.file.StandardOpenOption.WRITE;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Positional writes made on the caller's thread ({@link FileEngine.Builder#writesOnCallerThread}): which threads and
 * files get them, that they write what a write through the ring writes, and that everything else still goes
 * through the ring (which thread made the system call: the bytes /proc counts for it). io_uring only; the writes on the caller's
 * thread need JDK 22+ with native access, as reads from the page cache there do.
 */
@Timeout(60)
class CallerThreadWritesTest {
    private static final int SIZE = 3 << 20;

    @TempDir
    Path dir;
    private Path path;
    private final AtomicInteger executions = new AtomicInteger();

    @BeforeEach
    void file() throws Exception {
        Assumptions.assumeTrue(IoUring.isAvailable(), () -> "io_uring cannot run here: " + IoUring.unavailabilityCause());
        path = Files.write(dir.resolve("data.bin"), new byte[SIZE]);
    }

    private FileEngine engine(boolean writesOnCaller) {
        return FileEngine.builder().backend(FileEngine.Backend.IO_URING).writesOnCallerThread(writesOnCaller)
                .completionExecutor(task -> {
                    executions.incrementAndGet();
                    task.run();
                }).build();
    }

    private static void assumeCallerThreadCalls() {
        Assumptions.assumeTrue(NoWaitCalls.available(), () -> "no system calls on the caller's thread here: "
                + NoWaitCalls.unavailabilityCause());
    }

    private static byte[] pattern(int size, int seed) {
        return ContractSupport.random(size, seed);
    }

    private byte[] fileBytes(long position, int length) throws Exception {
        return Arrays.copyOfRange(Files.readAllBytes(path), (int) position, (int) position + length);
    }

    @Test
    void aPlatformThreadsWritesAreMadeOnItsThreadAndCompleteBeforeTheyReturn() throws Exception {
        assumeCallerThreadCalls();
        try (FileEngine engine = engine(true); AsyncFile file = await(engine.open(path, READ, WRITE))) {
            Thread caller = Thread.currentThread();
            int before = executions.get();
            long written = writtenByThisThread();
            byte[] one = pattern(4096, 1);
            ByteBuffer direct = ByteBuffer.allocateDirect(one.length).put(one).flip();
            CompletableFuture<Integer> w1 = file.write(direct, 8192);
            assertTrue(w1.isDone(), "a direct buffer's write came back complete");
            AtomicInteger stageThread = new AtomicInteger();
            w1.thenRun(() -> stageThread.set(Thread.currentThread() == caller ? 1 : 2));
            assertEquals(1, stageThread.get(), "its stage ran at once on the caller's thread");
            assertEquals(one.length, w1.join());
            assertEquals(one.length, direct.position(), "the buffer's position moved past what was written");

            byte[] two = pattern(1 << 20, 2); // a heap buffer of the largest size made here: through native memory
            ByteBuffer heap = ByteBuffer.wrap(two);
            CompletableFuture<Integer> w2 = file.writeFully(heap, 100_001);
            assertTrue(w2.isDone(), "a heap buffer's writeFully came back complete");
            assertEquals(two.length, w2.join());
            assertFalse(heap.hasRemaining());

            byte[] three = pattern(70_000, 3); // read-only and larger than one piece of the native scratch
            CompletableFuture<Integer> w3 = file.write(ByteBuffer.wrap(three).asReadOnlyBuffer(), 1_500_000);
            assertTrue(w3.isDone(), "a read-only buffer's write came back complete");
            assertEquals(three.length, w3.join());

            byte[] four = pattern(5000, 4);
            ByteBuf buf = PooledByteBufAllocator.DEFAULT.directBuffer(8192);
            try {
                buf.writeBytes(four);
                buf.readerIndex(100);
                CompletableFuture<Integer> w4 = file.writeFully(buf, 2_000_000);
                assertTrue(w4.isDone(), "a ByteBuf's write came back complete");
                assertEquals(four.length - 100, w4.join());
                assertEquals(four.length, buf.readerIndex(), "the ByteBuf's reader index moved past the bytes");
            } finally {
                buf.release();
            }
            assertEquals(before, executions.get(), "no completion went through the executor");
            assertEquals(one.length + two.length + three.length + four.length - 100,
                    writtenByThisThread() - written, "this thread made the write system calls");

            assertArrayEquals(one, fileBytes(8192, one.length));
            assertArrayEquals(two, fileBytes(100_001, two.length));
            assertArrayEquals(three, fileBytes(1_500_000, three.length));
            assertArrayEquals(Arrays.copyOfRange(four, 100, four.length), fileBytes(2_000_000, four.length - 100));
            assertEquals(SIZE, Files.size(path), "no write went anywhere else");
        }
    }

    @Test
    void aWritePastTheEndGrowsTheFileAsTheRingsWriteDoes() throws Exception {
        assumeCallerThreadCalls();
        try (FileEngine engine = engine(true); AsyncFile file = await(engine.open(path, WRITE))) {
            byte[] tail = pattern(1000, 5);
            CompletableFuture<Integer> w = file.write(ByteBuffer.wrap(tail), SIZE + 4096L);
            assertTrue(w.isDone());
            assertEquals(tail.length, w.join());
            assertEquals(SIZE + 4096L + tail.length, Files.size(path));
            assertArrayEquals(new byte[4096], fileBytes(SIZE, 4096), "the gap reads as zeros");
        }
    }

    /** Which thread issues a write. */
    private enum Issuer { THIS_THREAD, NETTY_THREAD, VIRTUAL_THREAD }

    /**
     * Bytes this thread has handed to write system calls ({@code wchar} of /proc/thread-self/io): a write made
     * through the ring is counted for the kernel's worker or ring thread that makes it, not for the issuer.
     */
    static long writtenByThisThread() throws java.io.IOException {
        for (String line : Files.readAllLines(Path.of("/proc/thread-self/io"))) {
            if (line.startsWith("wchar:")) {
                return Long.parseLong(line.substring("wchar:".length()).trim());
            }
        }
        throw new AssertionError("no wchar in /proc/thread-self/io");
    }

    /** A write that goes through the ring: not made by the issuing thread, the bytes all written. */
    private void throughTheRing(FileEngine engine, Issuer issuer, int length, OpenOption... options)
            throws Exception {
        try (AsyncFile file = await(engine.open(path, options))) {
            byte[] bytes = pattern(length, length);
            AtomicLong byIssuer = new AtomicLong();
            java.util.concurrent.Callable<CompletableFuture<Integer>> issue = () -> {
                long before = writtenByThisThread();
                CompletableFuture<Integer> w = file.writeFully(ByteBuffer.wrap(bytes), 12_345);
                byIssuer.set(writtenByThisThread() - before);
                return w;
            };
            CompletableFuture<Integer> written;
            switch (issuer) {
                case NETTY_THREAD: {
                    java.util.concurrent.FutureTask<CompletableFuture<Integer>> task =
                            new java.util.concurrent.FutureTask<>(issue);
                    Thread netty = new FastThreadLocalThread(task, "netty-like");
                    netty.start();
                    written = task.get();
                    break;
                }
                case VIRTUAL_THREAD: {
                    java.util.concurrent.ExecutorService virtual = ChannelContract.virtualThreads();
                    try {
                        written = virtual.submit(issue).get();
                    } finally {
                        virtual.shutdown();
                    }
                    break;
                }
                default:
                    written = issue.call();
            }
            assertEquals(bytes.length, await(written));
            // (the issuer may write 8 bytes to an eventfd to wake a ring thread)
            assertTrue(byIssuer.get() < 64, () -> issuer + ", " + length + " bytes, " + Arrays.toString(options)
                    + ": the issuing thread did not write them itself (it wrote " + byIssuer.get() + " bytes)");
            assertArrayEquals(bytes, fileBytes(12_345, bytes.length));
        }
    }

    @Test
    void writesGoThroughTheRingWhereTheCallerMustNotWaitOrTheFileAsksForIt() throws Exception {
        try (FileEngine engine = engine(true)) {
            // A Netty thread (event loops, Vert.x's): never waits in a system call made for it.
            throughTheRing(engine, Issuer.NETTY_THREAD, 4096, READ, WRITE);
            // A virtual thread would hold its carrier.
            if (Runtime.version().feature() >= 21) {
                throughTheRing(engine, Issuer.VIRTUAL_THREAD, 4096, READ, WRITE);
            }
            // More than 1 MiB at once.
            throughTheRing(engine, Issuer.THIS_THREAD, (1 << 20) + 1, READ, WRITE);
            // Files opened for writes that wait for the device.
            throughTheRing(engine, Issuer.THIS_THREAD, 4096, WRITE, StandardOpenOption.DSYNC);
            throughTheRing(engine, Issuer.THIS_THREAD, 4096, WRITE, StandardOpenOption.SYNC);
        }
        try (FileEngine engine = engine(false)) { // turned off
            throughTheRing(engine, Issuer.THIS_THREAD, 4096, READ, WRITE);
        }
    }

    @Test
    void aWriteIssuedOnARingThreadGoesThroughTheRing() throws Exception {
        try (FileEngine engine = FileEngine.builder().backend(FileEngine.Backend.IO_URING).inlineCompletion(true)
                .build(); AsyncFile file = await(engine.open(path, READ, WRITE))) {
            byte[] bytes = pattern(4096, 6);
            // A stage of a force, which only the ring makes, runs on a ring thread with inline completion (or
            // on this thread when the force was done first): a write issued there must not be made there.
            int onRing = 0;
            for (int round = 0; round < 200 && onRing < 5; round++) {
                long at = 4096L * round;
                CompletableFuture<Boolean> madeAtOnce = new CompletableFuture<>();
                CompletableFuture<Integer> written = file.force(false).thenCompose(v -> {
                    CompletableFuture<Integer> w = file.write(ByteBuffer.wrap(bytes), at);
                    madeAtOnce.complete(io.ringfile.internal.uring.RingThreads.isCurrent() ? w.isDone() : null);
                    return w;
                });
                assertEquals(bytes.length, await(written));
                Boolean atOnce = await(madeAtOnce);
                if (atOnce != null) {
                    onRing++;
                    assertFalse(atOnce, "a write issued on a ring thread was made through the ring");
                }
                assertArrayEquals(bytes, fileBytes(at, bytes.length));
            }
            assertTrue(onRing > 0, "some stage ran on a ring thread");
        }
    }
}
