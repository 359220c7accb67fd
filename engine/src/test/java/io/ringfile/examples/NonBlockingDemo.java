package io.ringfile.examples;

import io.ringfile.AsyncFile;
import io.ringfile.FileEngine;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import static java.nio.file.StandardOpenOption.CREATE;
import static java.nio.file.StandardOpenOption.TRUNCATE_EXISTING;
import static java.nio.file.StandardOpenOption.WRITE;

/**
 * The Java version of "proving it's non-blocking": one single-threaded event loop runs two tasks. One writes a
 * large file (with an fsync every 32 MiB), the other ticks a counter every 5 ms. Through Ringfile the loop only
 * issues writes and continues when they complete, so the ticker keeps ticking; with blocking {@code FileChannel}
 * writes on the same loop, the ticker stalls until the write is done.
 *
 * <p>Run: {@code mvn -q -pl engine -am process-test-classes -Pnon-blocking-demo -Dexec.args=512} (the argument is
 * the size in MiB, default 512; the profile, in engine/pom.xml, runs this class once the test classes are built).
 */
public final class NonBlockingDemo {
    private static final int CHUNK = 1 << 20;
    private static final int SYNC_EVERY = 32;

    public static void main(String[] args) throws Exception {
        int mib = args.length > 0 ? Integer.parseInt(args[0]) : 512;
        Path file = Files.createTempFile("ringfile-demo-", ".bin");
        ScheduledExecutorService loop = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "event-loop");
            t.setDaemon(true);
            return t;
        });
        try (FileEngine engine = FileEngine.builder().completionExecutor(loop).build()) {
            System.out.println("backend: " + engine.backend() + engine.fallbackReason().map(r -> " (" + r + ")").orElse(""));
            run("Ringfile (asynchronous)", loop, mib, progress -> writeWithRingfile(engine, file, mib, progress));
            run("FileChannel (blocking) ", loop, mib, progress -> writeBlocking(file, mib, progress));
        } finally {
            loop.shutdownNow();
            Files.deleteIfExists(file);
        }
    }

    interface Writer {
        CompletableFuture<Void> start(AtomicLong progress);
    }

    /** Starts the writer on the loop, ticks beside it, and prints both as they interleave. */
    private static void run(String name, ScheduledExecutorService loop, int mib, Writer writer) throws Exception {
        AtomicLong ticks = new AtomicLong();
        AtomicLong written = new AtomicLong();
        AtomicLong lastTick = new AtomicLong(System.nanoTime());
        AtomicLong longestGap = new AtomicLong();
        // The first calls load the engine's classes on the loop: that start-up wait is shown apart.
        AtomicLong longestGapAfterFirstMiB = new AtomicLong();
        long start = System.nanoTime();
        var ticker = loop.scheduleWithFixedDelay(() -> {
            long now = System.nanoTime();
            long gap = now - lastTick.getAndSet(now);
            longestGap.accumulateAndGet(gap, Math::max);
            if (written.get() > 0) {
                longestGapAfterFirstMiB.accumulateAndGet(gap, Math::max);
            }
            long n = ticks.incrementAndGet();
            if (n % 10 == 0) {
                System.out.printf("  %s  tick %4d  written %4d MiB%n", name, n, written.get());
            }
        }, 0, 5, TimeUnit.MILLISECONDS);
        CompletableFuture<Void> done = CompletableFuture.supplyAsync(() -> writer.start(written), loop)
                .thenCompose(f -> f);
        done.get(10, TimeUnit.MINUTES);
        // A writer that blocked the loop until the end left the ticker no turn to measure that wait: count the time
        // from the last tick to the end of the write too.
        long end = System.nanoTime();
        long finalGap = end - lastTick.get();
        longestGap.accumulateAndGet(finalGap, Math::max);
        longestGapAfterFirstMiB.accumulateAndGet(finalGap, Math::max);
        long ran = ticks.get();
        ticker.cancel(false);
        double seconds = (end - start) / 1e9;
        System.out.printf("%s: %d MiB in %.2f s; the 5 ms ticker ran %d times, longest wait for a tick %.1f ms"
                        + " (%.1f ms among the waits that ended after the first MiB was written)%n%n",
                name, mib, seconds, ran, longestGap.get() / 1e6, longestGapAfterFirstMiB.get() / 1e6);
    }

    /** Each write is issued from the loop and continues on the loop when it completes: the loop never waits. */
    private static CompletableFuture<Void> writeWithRingfile(FileEngine engine, Path file, int mib, AtomicLong progress) {
        ByteBuffer chunk = ByteBuffer.allocateDirect(CHUNK); // reused: each write has completed before the next
        return engine.open(file, WRITE, TRUNCATE_EXISTING).thenCompose(f -> writeChunk(f, chunk, 0, mib, progress)
                .thenCompose(x -> f.force(false))
                .thenCompose(x -> f.closeAsync()));
    }

    private static CompletableFuture<Void> writeChunk(AsyncFile file, ByteBuffer chunk, int index, int total,
                                                      AtomicLong progress) {
        if (index == total) {
            return CompletableFuture.completedFuture(null);
        }
        chunk.clear();
        CompletableFuture<?> step = file.writeFully(chunk, (long) index * CHUNK);
        if ((index + 1) % SYNC_EVERY == 0) {
            step = step.thenCompose(n -> file.force(false));
        }
        return step.thenCompose(x -> {
            progress.set(index + 1);
            return writeChunk(file, chunk, index + 1, total, progress);
        });
    }

    /** The same writes as plain blocking calls on the loop thread. */
    private static CompletableFuture<Void> writeBlocking(Path file, int mib, AtomicLong progress) {
        try (FileChannel channel = FileChannel.open(file, WRITE, CREATE, TRUNCATE_EXISTING)) {
            ByteBuffer chunk = ByteBuffer.allocateDirect(CHUNK);
            for (int i = 0; i < mib; i++) {
                chunk.clear();
                while (chunk.hasRemaining()) {
                    channel.write(chunk, (long) i * CHUNK + chunk.position());
                }
                if ((i + 1) % SYNC_EVERY == 0) {
                    channel.force(false);
                }
                progress.set(i + 1);
            }
            channel.force(false);
            return CompletableFuture.completedFuture(null);
        } catch (IOException e) {
            return CompletableFuture.failedFuture(e);
        }
    }
}
