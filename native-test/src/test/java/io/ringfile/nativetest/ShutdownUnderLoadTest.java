package io.ringfile.nativetest;

import io.ringfile.AsyncFile;
import io.ringfile.FileEngine;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.nio.ByteBuffer;
import java.nio.channels.ClosedChannelException;
import java.nio.file.ClosedFileSystemException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;

import static io.ringfile.nativetest.Engines.WAIT_SECONDS;
import static java.nio.file.StandardOpenOption.CREATE;
import static java.nio.file.StandardOpenOption.READ;
import static java.nio.file.StandardOpenOption.TRUNCATE_EXISTING;
import static java.nio.file.StandardOpenOption.WRITE;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * {@code FileEngine.close()} while thousands of operations are queued and in flight, round after round, with the
 * default shutdown timeout and with none, on both backends. Four threads issue 3,000 mixed operations (whole files
 * read and written, files opened, read at positions and closed, sizes, attributes, existence checks); the engine is
 * closed while they are still issuing (even rounds) or once all are queued (odd rounds). After every round:
 * <ul>
 * <li>by the time {@code close()} returned, no descriptor of the engine's is open (none points into the test's
 * directory) and the engine's threads end;</li>
 * <li>every future completes, with its correct value or with the exception of an engine or file closed under it
 * ({@link ClosedFileSystemException}, {@link ClosedChannelException} and its subclasses); nothing else, and nothing
 * hangs;</li>
 * <li>the direct buffers the operations read into are dropped and a garbage collection runs: were the kernel still
 * writing into one of them, the process would corrupt freed memory (seen before as a glibc abort).</li>
 * </ul>
 * {@link LeakCheck} then checks descriptors, threads, pooled and JDK direct memory and Netty's leak reports.
 */
@ExtendWith(LeakCheck.class)
@Timeout(value = 15, unit = TimeUnit.MINUTES)
class ShutdownUnderLoadTest {
    private static final int ROUNDS = Integer.getInteger("ringfile.shutdown.rounds", 6);
    private static final int THREADS = 4;
    private static final int OPS_PER_THREAD = 750;
    /** Even rounds close while the threads are still issuing, odd rounds once all 3,000 are queued. */
    private static final int CLOSE_WHILE_ISSUING_AFTER = 1500;
    private static final int DATA_FILES = 4;
    private static final int DATA_SIZE = 64 * 1024;
    /** How long a future may take to complete after close() returned: only the completion executor's hop. */
    private static final long SETTLE_SECONDS = 10;

    @TempDir
    Path dir;

    @ParameterizedTest(name = "{0}, shutdown timeout {1} ms")
    @CsvSource({"IO_URING, 10000", "IO_URING, 0", "NIO, 10000", "NIO, 0"})
    void closingABusyEngineCompletesEveryFutureAndClosesEveryDescriptor(FileEngine.Backend backend,
                                                                         long timeoutMillis) throws Exception {
        List<byte[]> contents = new ArrayList<>();
        List<Path> data = new ArrayList<>();
        for (int i = 0; i < DATA_FILES; i++) {
            byte[] bytes = new byte[DATA_SIZE];
            new SplittableRandom(i).nextBytes(bytes);
            contents.add(bytes);
            data.add(Files.write(dir.resolve("data-" + i), bytes));
        }
        int[] totals = new int[3];
        for (int round = 0; round < ROUNDS; round++) {
            int[] counts = round(backend, timeoutMillis, round, data, contents);
            for (int i = 0; i < totals.length; i++) {
                totals[i] += counts[i];
            }
        }
        System.out.printf("ShutdownUnderLoadTest %s timeout %d ms, %d rounds: %d succeeded, %d refused or "
                + "stopped by the close, %d issued after it%n", backend, timeoutMillis, ROUNDS, totals[0],
                totals[1], totals[2]);
        assertTrue(totals[0] > 0, "some operations ran before the close");
    }

    /** One engine, loaded and closed; returns {succeeded, closed under, issued after close}. */
    private int[] round(FileEngine.Backend backend, long timeoutMillis, int round, List<Path> data,
                        List<byte[]> contents) throws Exception {
        String prefix = "ringfile-shut" + round;
        FileEngine engine = Engines.start(FileEngine.builder().backend(backend).rings(2)
                .shutdownTimeout(Duration.ofMillis(timeoutMillis)).threadNamePrefix(prefix));
        Path own = Files.createDirectories(dir.resolve("round-" + round));
        ConcurrentLinkedQueue<Tracked> ops = new ConcurrentLinkedQueue<>();
        AtomicInteger issued = new AtomicInteger();
        AtomicBoolean closing = new AtomicBoolean();
        int closeAfter = round % 2 == 0 ? CLOSE_WHILE_ISSUING_AFTER : THREADS * OPS_PER_THREAD;
        CountDownLatch enoughIssued = new CountDownLatch(1);
        ExecutorService submitters = Executors.newFixedThreadPool(THREADS);
        List<Future<?>> running = new ArrayList<>();
        for (int t = 0; t < THREADS; t++) {
            int thread = t;
            running.add(submitters.submit(() -> {
                SplittableRandom random = new SplittableRandom(round * 31L + thread);
                for (int i = 0; i < OPS_PER_THREAD; i++) {
                    int which = random.nextInt(DATA_FILES);
                    ops.add(issue(engine, closing, random.nextInt(8), data.get(which), contents.get(which),
                            own.resolve("t" + thread + "-" + (i % 16)), random));
                    if (issued.incrementAndGet() == closeAfter) {
                        enoughIssued.countDown();
                    }
                }
                return null;
            }));
        }
        assertTrue(enoughIssued.await(WAIT_SECONDS, TimeUnit.SECONDS), "submitters stalled");
        closing.set(true);
        engine.close();
        List<String> open = descriptorsUnder(dir);
        assertTrue(open.isEmpty(), () -> "round " + round + ": descriptors still open after close() returned: "
                + open);
        for (Future<?> submitter : running) {
            submitter.get(WAIT_SECONDS, TimeUnit.SECONDS);
        }
        submitters.shutdown();

        int[] counts = new int[3];
        List<String> problems = new ArrayList<>();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(SETTLE_SECONDS);
        int hung = 0;
        for (Tracked op : ops) {
            long left = Math.max(0, deadline - System.nanoTime());
            try {
                op.future.get(left, TimeUnit.NANOSECONDS);
                String wrong = op.check.get();
                if (wrong != null) {
                    problems.add(op.what + ": " + wrong);
                }
                counts[0]++;
            } catch (TimeoutException e) {
                hung++;
            } catch (ExecutionException e) {
                Throwable cause = unwrap(e.getCause());
                if (cause instanceof ClosedFileSystemException || cause instanceof ClosedChannelException) {
                    counts[op.afterClose ? 2 : 1]++;
                } else {
                    problems.add(op.what + " failed with " + cause);
                }
            }
        }
        int hungOps = hung;
        assertEquals(0, hungOps, () -> "round " + round + ": " + hungOps + " of " + ops.size()
                + " futures still pending " + SETTLE_SECONDS + " s after close() returned");
        assertTrue(problems.isEmpty(), () -> "round " + round + ": " + problems.size() + " wrong outcomes, first: "
                + problems.subList(0, Math.min(5, problems.size())));
        awaitThreadsEnd(prefix);
        ops.clear();
        System.gc(); // the reads' direct buffers are garbage now: freeing one the kernel still used would crash
        return counts;
    }

    /** An operation and how to tell whether its value is right. */
    private static final class Tracked {
        final String what;
        final CompletableFuture<?> future;
        final Supplier<String> check;
        final boolean afterClose;

        Tracked(String what, CompletableFuture<?> future, Supplier<String> check, boolean afterClose) {
            this.what = what;
            this.future = future;
            this.check = check;
            this.afterClose = afterClose;
        }
    }

    private static Tracked issue(FileEngine engine, AtomicBoolean closing, int kind, Path data, byte[] content,
                                 Path own, SplittableRandom random) {
        boolean afterClose = closing.get();
        switch (kind) {
            case 0:
            case 1: {
                CompletableFuture<byte[]> f = engine.readAllBytes(data);
                return new Tracked("readAllBytes " + data, f,
                        () -> Arrays.equals(content, f.join()) ? null : "wrong content", afterClose);
            }
            case 2: {
                int at = random.nextInt(DATA_SIZE - 4096);
                ByteBuffer buffer = ByteBuffer.allocateDirect(4096);
                CompletableFuture<Integer> f = engine.open(data, READ).thenCompose(file ->
                        file.readFully(buffer, at).handle((n, error) -> file.closeAsync().handle((x, closeError) -> {
                            if (error != null) {
                                throw new CompletionException(unwrap(error));
                            }
                            return n;
                        })).thenCompose(stage -> stage));
                return new Tracked("open, read, close " + data, f, () -> {
                    byte[] got = new byte[4096];
                    buffer.flip().get(got);
                    return f.join() == 4096 && Arrays.equals(Arrays.copyOfRange(content, at, at + 4096), got)
                            ? null : "wrong bytes at " + at;
                }, afterClose);
            }
            case 3: {
                CompletableFuture<Long> f = engine.size(data);
                return new Tracked("size " + data, f, () -> f.join() == DATA_SIZE ? null : "size " + f.join(),
                        afterClose);
            }
            case 4: {
                CompletableFuture<BasicFileAttributes> f = engine.readAttributes(data, BasicFileAttributes.class);
                return new Tracked("readAttributes " + data, f,
                        () -> f.join().size() == DATA_SIZE ? null : "size " + f.join().size(), afterClose);
            }
            case 5: {
                CompletableFuture<Boolean> f = engine.exists(data);
                // A closed engine cannot tell: exists() fails then, as Files.exists does on a closed file system.
                return new Tracked("exists " + data, f, () -> f.join() ? null : "false for an existing file",
                        afterClose);
            }
            case 6: {
                byte[] bytes = new byte[1 + random.nextInt(3 * 4096)];
                random.nextBytes(bytes);
                CompletableFuture<Path> f = engine.write(own, bytes);
                return new Tracked("write " + own, f, () -> own.equals(f.join()) ? null : "returned " + f.join(),
                        afterClose);
            }
            default: {
                ByteBuffer bytes = ByteBuffer.wrap(new byte[8192]);
                CompletableFuture<AsyncFile> opened = engine.open(own, CREATE, WRITE, TRUNCATE_EXISTING);
                CompletableFuture<Integer> f = opened.thenCompose(file -> file.writeFully(bytes, 0)
                        .thenCompose(n -> file.force(false).thenApply(x -> n))
                        .handle((n, error) -> file.closeAsync().handle((x, closeError) -> {
                            if (error != null) {
                                throw new CompletionException(unwrap(error));
                            }
                            return n;
                        })).thenCompose(stage -> stage));
                return new Tracked("open, write, force, close " + own, f,
                        () -> f.join() == 8192 ? null : "wrote " + f.join(), afterClose);
            }
        }
    }

    private static Throwable unwrap(Throwable error) {
        while (error instanceof CompletionException && error.getCause() != null) {
            error = error.getCause();
        }
        return error;
    }

    /** Descriptors of this process that point into {@code root}. */
    private static List<String> descriptorsUnder(Path root) {
        List<String> found = new ArrayList<>();
        for (Map.Entry<Integer, String> fd : LeakCheck.fds().entrySet()) {
            if (fd.getValue().startsWith(root.toString())) {
                found.add(fd.getKey() + " -> " + fd.getValue());
            }
        }
        return found;
    }

    private static void awaitThreadsEnd(String prefix) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(SETTLE_SECONDS);
        while (true) {
            List<String> alive = new ArrayList<>();
            for (Thread thread : Thread.getAllStackTraces().keySet()) {
                if (thread.isAlive() && thread.getName().startsWith(prefix)) {
                    alive.add(thread.getName());
                }
            }
            if (alive.isEmpty()) {
                return;
            }
            if (System.nanoTime() > deadline) {
                fail("engine threads still alive " + SETTLE_SECONDS + " s after close(): " + alive);
            }
            Thread.sleep(20);
        }
    }
}
