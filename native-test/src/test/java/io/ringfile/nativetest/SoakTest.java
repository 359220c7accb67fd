package io.ringfile.nativetest;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.PooledByteBufAllocator;
import io.ringfile.AsyncFile;
import io.ringfile.FileEngine;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicIntegerArray;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicLongArray;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.BiConsumer;
import java.util.function.Supplier;

import static io.ringfile.nativetest.Engines.WAIT_SECONDS;
import static io.ringfile.nativetest.Engines.await;
import static java.nio.file.StandardOpenOption.CREATE_NEW;
import static java.nio.file.StandardOpenOption.READ;
import static java.nio.file.StandardOpenOption.WRITE;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A bounded soak: positional reads, writes, fsyncs, opens and closes from eleven threads, up to 32 operations in
 * flight per thread, on an engine of two rings. It runs {@code ringfile.soak.seconds} seconds in all (60 by
 * default, so CI spends one minute here), split evenly between the io_uring and the NIO backend, one after the
 * other: 30 seconds each by default. {@code -Dringfile.soak.seconds=600} soaks ten minutes.
 *
 * <p>Four files of 256 blocks of 4 KiB. Four writer threads each own a quarter of the blocks and write new versions
 * of them (a block's content is a pattern derived from file, block and version) through heap buffers, direct
 * buffers and pooled {@code ByteBuf}s, forcing now and then. Four reader threads read blocks no write is in flight
 * on and check they hold exactly the last version whose write completed. Two threads open a file, read a block
 * through the new handle and close it, or create, write, force, close and delete a scratch file. One thread forces
 * the shared handles.
 *
 * <p>Every operation is counted when issued and when its future completes; a flag per operation catches a second
 * completion. At the end, issued equals completed, nothing completed twice, no operation failed, the files on disk
 * hold exactly the last versions, and {@link LeakCheck} finds no descriptor, thread, pinned pooled memory, direct
 * memory or Netty leak report left. Every wait is bounded; nothing here measures speed.
 */
@ExtendWith(LeakCheck.class)
@Timeout(value = 30, unit = TimeUnit.MINUTES) // the soak length is a property; every wait inside is bounded anyway
class SoakTest {
    private static final long SECONDS = Long.getLong("ringfile.soak.seconds", 60);
    private static final int FILES = 4;
    private static final int BLOCKS = 256;
    private static final int BLOCK = 4096;
    private static final int WRITERS = 4;
    private static final int READERS = 4;
    private static final int CHURNERS = 2;
    private static final int IN_FLIGHT = 32;

    @TempDir
    Path dir;

    @Test
    void ioUringThenNioSoakWithEveryOperationCompletedOnceAndDataIntact() throws Exception {
        long each = Math.max(1, SECONDS / 2);
        soak(FileEngine.Backend.IO_URING, each);
        soak(FileEngine.Backend.NIO, each);
    }

    /** The pattern of a block at a version; version 0 is a block never written (zeros). */
    static byte[] content(int file, int block, long version) {
        byte[] bytes = new byte[BLOCK];
        if (version == 0) {
            return bytes;
        }
        ByteBuffer.wrap(bytes).putInt(file).putInt(block).putLong(version);
        long x = (file * 1_000_003L + block) * 0x9E3779B97F4A7C15L + version;
        for (int i = 16; i < BLOCK; i += 8) {
            x ^= x << 13;
            x ^= x >>> 7;
            x ^= x << 17;
            ByteBuffer.wrap(bytes, i, 8).putLong(x);
        }
        return bytes;
    }

    private final class Run {
        final FileEngine.Backend backend;
        final Path[] paths = new Path[FILES];
        final AsyncFile[] shared = new AsyncFile[FILES];
        /** Per block: -1 while a write is in flight, else the number of reads in flight. */
        final AtomicIntegerArray state = new AtomicIntegerArray(FILES * BLOCKS);
        /** Per block: the version of the last write that completed. */
        final AtomicLongArray committed = new AtomicLongArray(FILES * BLOCKS);
        final AtomicLong issued = new AtomicLong();
        final AtomicLong completed = new AtomicLong();
        final AtomicLong twice = new AtomicLong();
        final AtomicLong reads = new AtomicLong();
        final AtomicLong writes = new AtomicLong();
        final AtomicLong forces = new AtomicLong();
        final AtomicLong opens = new AtomicLong();
        final AtomicLong closes = new AtomicLong();
        final AtomicReference<Throwable> failure = new AtomicReference<>();
        volatile boolean stop;

        Run(FileEngine.Backend backend) {
            this.backend = backend;
        }

        void fail(Throwable t) {
            if (!failure.compareAndSet(null, t)) {
                failure.get().addSuppressed(t);
            }
            stop = true;
        }

        /**
         * Issues one operation under {@code permits} and counts it; {@code then} sees its outcome once. A permit
         * not free within the wait bound means operations stopped completing: the run fails.
         */
        <T> void issue(Semaphore permits, Supplier<CompletableFuture<T>> op, BiConsumer<T, Throwable> then) {
            try {
                if (!permits.tryAcquire(WAIT_SECONDS, TimeUnit.SECONDS)) {
                    fail(new AssertionError("no operation completed for " + WAIT_SECONDS + " s"));
                    return;
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                fail(e);
                return;
            }
            issued.incrementAndGet();
            CompletableFuture<T> future;
            try {
                future = op.get();
            } catch (Throwable t) {
                completed.incrementAndGet(); // thrown instead of returned: counted as its completion
                permits.release();
                fail(t);
                return;
            }
            AtomicBoolean once = new AtomicBoolean();
            future.whenComplete((value, error) -> {
                if (!once.compareAndSet(false, true)) {
                    twice.incrementAndGet();
                }
                completed.incrementAndGet();
                try {
                    then.accept(value, error);
                } catch (Throwable t) {
                    fail(t);
                } finally {
                    permits.release();
                }
            });
        }

        void writer(int w) {
            SplittableRandom random = new SplittableRandom(w);
            Semaphore permits = new Semaphore(IN_FLIGHT);
            int n = 0;
            while (!stop) {
                int index = random.nextInt(FILES * BLOCKS);
                if (index % WRITERS != w || !state.compareAndSet(index, 0, -1)) {
                    continue;
                }
                int file = index / BLOCKS;
                int block = index % BLOCKS;
                long version = committed.get(index) + 1;
                byte[] bytes = content(file, block, version);
                long position = (long) block * BLOCK;
                AsyncFile target = shared[file];
                int kind = n++ % 3;
                ByteBuf buf = kind == 2 ? PooledByteBufAllocator.DEFAULT.directBuffer(BLOCK).writeBytes(bytes) : null;
                issue(permits, () -> {
                    if (kind == 0) {
                        return target.writeFully(ByteBuffer.wrap(bytes), position);
                    } else if (kind == 1) {
                        return target.writeFully(ByteBuffer.allocateDirect(BLOCK).put(bytes).flip(), position);
                    }
                    return target.writeFully(buf, position);
                }, (written, error) -> {
                    if (buf != null) {
                        buf.release();
                    }
                    if (error != null) {
                        fail(error);
                        return;
                    }
                    assertEquals(BLOCK, written, "bytes written");
                    committed.set(index, version);
                    state.set(index, 0);
                    writes.incrementAndGet();
                });
                if (n % 64 == 0) {
                    issue(permits, () -> target.force(false), (v, error) -> {
                        if (error != null) {
                            fail(error);
                        } else {
                            forces.incrementAndGet();
                        }
                    });
                }
            }
            drain(permits);
        }

        /** Takes a read hold on a block no write is in flight on, or returns -1. */
        int hold(SplittableRandom random) {
            int index = random.nextInt(FILES * BLOCKS);
            int s = state.get(index);
            return s >= 0 && state.compareAndSet(index, s, s + 1) ? index : -1;
        }

        void reader(int r) {
            SplittableRandom random = new SplittableRandom(100 + r);
            Semaphore permits = new Semaphore(IN_FLIGHT);
            int n = 0;
            while (!stop) {
                int index = hold(random);
                if (index < 0) {
                    continue;
                }
                read(permits, shared[index / BLOCKS], index, n++ % 3);
            }
            drain(permits);
        }

        void read(Semaphore permits, AsyncFile from, int index, int kind) {
            int file = index / BLOCKS;
            int block = index % BLOCKS;
            long version = committed.get(index); // no write can start while the hold lasts
            long position = (long) block * BLOCK;
            ByteBuffer nio = kind == 0 ? ByteBuffer.allocate(BLOCK) : ByteBuffer.allocateDirect(BLOCK);
            ByteBuf buf = kind == 2 ? PooledByteBufAllocator.DEFAULT.directBuffer(BLOCK) : null;
            issue(permits, () -> buf != null ? from.readFully(buf, position) : from.readFully(nio, position),
                    (count, error) -> {
                        try {
                            if (error != null) {
                                fail(error);
                                return;
                            }
                            assertEquals(BLOCK, count, "bytes read");
                            byte[] got = new byte[BLOCK];
                            if (buf != null) {
                                buf.getBytes(buf.readerIndex(), got);
                            } else {
                                nio.flip().get(got);
                            }
                            if (!Arrays.equals(content(file, block, version), got)) {
                                throw new AssertionError(backend + ": file " + file + " block " + block
                                        + " does not hold version " + version);
                            }
                            reads.incrementAndGet();
                        } finally {
                            if (buf != null) {
                                buf.release();
                            }
                            state.decrementAndGet(index);
                        }
                    });
        }

        /**
         * Opens and closes: a shared file for one read, or a scratch file written, forced, closed and deleted. The
         * close waits until the handle's operations completed: closing with reads in flight is another test's
         * subject (FaultFsTest) and may fail them by design.
         */
        void churner(int c) {
            SplittableRandom random = new SplittableRandom(200 + c);
            Semaphore permits = new Semaphore(IN_FLIGHT);
            int n = 0;
            while (!stop) {
                boolean scratchFile = n++ % 2 == 1;
                Path scratch = dir.resolve(backend + "-scratch-" + c + "-" + n);
                AsyncFile file;
                if (!scratchFile) {
                    int index = hold(random);
                    if (index < 0) {
                        continue;
                    }
                    file = open(permits, paths[index / BLOCKS], false);
                    if (file == null) {
                        state.decrementAndGet(index);
                        break;
                    }
                    read(permits, file, index, n % 3);
                } else {
                    file = open(permits, scratch, true);
                    if (file == null) {
                        break;
                    }
                    byte[] bytes = content(9, n, n);
                    AsyncFile target = file;
                    issue(permits, () -> target.writeFully(ByteBuffer.wrap(bytes), 0), (written, error) -> {
                        if (error != null) {
                            fail(error);
                        } else {
                            assertEquals(BLOCK, written);
                            writes.incrementAndGet();
                        }
                    });
                    issue(permits, () -> target.force(true), (v, error) -> {
                        if (error != null) {
                            fail(error);
                        } else {
                            forces.incrementAndGet();
                        }
                    });
                }
                if (!quiesce(permits)) {
                    break;
                }
                issue(permits, file::closeAsync, (v, error) -> {
                    if (error != null) {
                        fail(error);
                    } else {
                        closes.incrementAndGet();
                    }
                });
                if (scratchFile) {
                    if (!quiesce(permits)) {
                        break;
                    }
                    try {
                        Files.delete(scratch);
                    } catch (Exception e) {
                        fail(e);
                    }
                }
            }
            drain(permits);
        }

        /** {@link #drain} then gives the permits back; false if the drain failed. */
        boolean quiesce(Semaphore permits) {
            if (!drain(permits)) {
                return false;
            }
            permits.release(IN_FLIGHT);
            return true;
        }

        AsyncFile open(Semaphore permits, Path path, boolean create) {
            CompletableFuture<AsyncFile> result = new CompletableFuture<>();
            issue(permits, () -> create ? engine.open(path, CREATE_NEW, READ, WRITE) : engine.open(path, READ),
                    (file, error) -> {
                        if (error != null) {
                            fail(error);
                            result.complete(null);
                        } else {
                            opens.incrementAndGet();
                            result.complete(file);
                        }
                    });
            return failure.get() != null && !result.isDone() ? null : await(result);
        }

        void forcer() {
            Semaphore permits = new Semaphore(IN_FLIGHT);
            int n = 0;
            while (!stop) {
                AsyncFile target = shared[n % FILES];
                boolean metaData = n++ % 2 == 0;
                issue(permits, () -> target.force(metaData), (v, error) -> {
                    if (error != null) {
                        fail(error);
                    } else {
                        forces.incrementAndGet();
                    }
                });
                try {
                    Thread.sleep(1);
                } catch (InterruptedException e) {
                    return;
                }
            }
            drain(permits);
        }

        /** Waits (bounded) until every operation this thread issued has completed; false if they did not. */
        boolean drain(Semaphore permits) {
            try {
                if (permits.tryAcquire(IN_FLIGHT, WAIT_SECONDS, TimeUnit.SECONDS)) {
                    return true;
                }
                fail(new AssertionError("operations still in flight after " + WAIT_SECONDS + " s: "
                        + (IN_FLIGHT - permits.availablePermits())));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                fail(e);
            }
            return false;
        }

        FileEngine engine;
    }

    private void soak(FileEngine.Backend backend, long seconds) throws Exception {
        Run run = new Run(backend);
        for (int f = 0; f < FILES; f++) {
            run.paths[f] = Files.write(dir.resolve(backend + "-" + f + ".bin"), new byte[BLOCKS * BLOCK]);
        }
        ExecutorService threads = Executors.newFixedThreadPool(WRITERS + READERS + CHURNERS + 1);
        try (FileEngine engine = Engines.start(FileEngine.builder().backend(backend).rings(2))) {
            run.engine = engine;
            for (int f = 0; f < FILES; f++) {
                run.shared[f] = Engines.open(engine.open(run.paths[f], READ, WRITE));
            }
            List<Future<?>> workers = new ArrayList<>();
            for (int i = 0; i < WRITERS; i++) {
                int w = i;
                workers.add(threads.submit(() -> run.writer(w)));
            }
            for (int i = 0; i < READERS; i++) {
                int r = i;
                workers.add(threads.submit(() -> run.reader(r)));
            }
            for (int i = 0; i < CHURNERS; i++) {
                int c = i;
                workers.add(threads.submit(() -> run.churner(c)));
            }
            workers.add(threads.submit(run::forcer));
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
            while (!run.stop && System.nanoTime() < deadline) {
                Thread.sleep(100);
            }
            run.stop = true;
            for (Future<?> worker : workers) {
                worker.get(2 * WAIT_SECONDS, TimeUnit.SECONDS); // each drains its own operations, bounded
            }
            for (AsyncFile file : run.shared) {
                file.close();
            }
        } finally {
            threads.shutdownNow();
            assertTrue(threads.awaitTermination(WAIT_SECONDS, TimeUnit.SECONDS), "soak threads ended");
        }
        System.out.printf("SoakTest %s, %d s: %d operations (%d reads, %d writes, %d forces, %d opens, %d closes)%n",
                backend, seconds, run.issued.get(), run.reads.get(), run.writes.get(), run.forces.get(),
                run.opens.get(), run.closes.get());
        if (run.failure.get() != null) {
            throw new AssertionError(backend + " soak failed", run.failure.get());
        }
        assertEquals(run.issued.get(), run.completed.get(), backend + ": operations issued vs completed");
        assertEquals(0, run.twice.get(), backend + ": operations completed twice");
        assertTrue(run.reads.get() > 0 && run.writes.get() > 0 && run.forces.get() > 0 && run.opens.get() > 0
                && run.closes.get() > 0, backend + ": every kind of operation ran");
        for (int f = 0; f < FILES; f++) {
            byte[] disk = Files.readAllBytes(run.paths[f]);
            assertEquals(BLOCKS * BLOCK, disk.length);
            for (int b = 0; b < BLOCKS; b++) {
                assertArrayEquals(content(f, b, run.committed.get(f * BLOCKS + b)),
                        Arrays.copyOfRange(disk, b * BLOCK, (b + 1) * BLOCK), backend + ": file " + f + " block " + b);
            }
        }
    }
}
