package io.ringfile.nativetest;

import io.ringfile.AsyncFile;
import io.ringfile.FileEngine;

import java.lang.management.BufferPoolMXBean;
import java.lang.management.ManagementFactory;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

import static java.nio.file.StandardOpenOption.CREATE;
import static java.nio.file.StandardOpenOption.READ;
import static java.nio.file.StandardOpenOption.WRITE;

/**
 * The program {@link DirectMemoryPressureTest} runs in a JVM with a small {@code -XX:MaxDirectMemorySize} and Netty's
 * pooled allocator without arenas ({@code -Dio.netty.allocator.numDirectArenas=0}), so that every piece of direct
 * memory the engine takes is a fresh allocation against the JDK's limit, wherever it happens. Usage:
 * {@code DirectMemoryProbe WORK_DIR BACKEND}. It reports one fact per line: {@code INFO key=value},
 * {@code FAIL what}, and last {@code DONE failures=N}; the exit status is 0 exactly when N is 0.
 *
 * <ol>
 * <li>On the engine's thread: with less than 80 bytes of direct memory left, an open's path (a few bytes,
 * allocated by the caller) fits and the 256-byte statx buffer the engine allocates when the kernel has opened the
 * file does not. Each open must fail with the {@link OutOfMemoryError} and close the descriptor it got; nothing may
 * hang.</li>
 * <li>A storm: a thread keeps grabbing every piece of direct memory that comes free (what another part of an
 * application might do) while hundreds of operations run whose I/O needs direct memory, much of it allocated on the
 * engine's threads (the heap-buffer copies of {@code readFully} continuations). Every future must complete, with its
 * value or with the error.</li>
 * <li>The memory is given back: every ring must serve again (opens, reads, whole-file reads succeed; each ring
 * thread is alive).</li>
 * <li>The engine closes: its threads end and no descriptor of the data file stays open.</li>
 * </ol>
 */
public final class DirectMemoryProbe {
    private static final long WAIT_SECONDS = 30;
    private static final int FILE_SIZE = 8 << 20;
    private static int failures;

    private DirectMemoryProbe() {
    }

    public static void main(String[] args) throws Exception {
        Path work = Path.of(args[0]);
        FileEngine.Backend backend = FileEngine.Backend.valueOf(args[1]);
        Files.createDirectories(work);
        // A short name, so that an open's C string needs only a few bytes of direct memory.
        Path shortcut = Path.of("/tmp/rf" + ProcessHandle.current().pid());
        Files.deleteIfExists(shortcut);
        Files.createSymbolicLink(shortcut, work);
        try {
            run(shortcut.resolve("d"), backend);
        } finally {
            Files.deleteIfExists(shortcut);
        }
        System.out.println("DONE failures=" + failures);
        System.out.flush();
        System.exit(failures == 0 ? 0 : 1);
    }

    private static void run(Path data, FileEngine.Backend backend) throws Exception {
        byte[] content = new byte[FILE_SIZE];
        new Random(5).nextBytes(content);
        Files.write(data, content);
        FileEngine engine;
        try {
            engine = FileEngine.builder().backend(backend).rings(2).threadNamePrefix("pressure").build();
        } catch (UnsupportedOperationException e) {
            System.out.println("SKIP " + e.getMessage());
            return;
        }
        info("backend", engine.backend());
        expect(Arrays.equals(content, engine.readAllBytes(data).get(WAIT_SECONDS, TimeUnit.SECONDS)), "warm-up read");

        List<ByteBuffer> held = new ArrayList<>();
        leaveFree(held, 16);
        boolean jdkCounts = jdkTemporaryBuffersCounted(data);
        info("jdkTemporaryBuffersCounted", jdkCounts);
        // Give back one small piece: between 16 and 80 bytes free, room for the path but not for a statx buffer.
        for (int i = held.size() - 1; i >= 0; i--) {
            if (held.get(i).capacity() <= 64) {
                release(held.remove(i));
                break;
            }
        }
        int[] opens = opensWithAlmostNoMemory(engine, data);
        info("opensFailedWithOutOfMemory", opens[1]);
        info("opensSucceeded", opens[0]);
        held.clear();
        System.gc();
        Thread.sleep(200);

        // Netty's allocator initializes itself (reading /etc/os-release through a temporary direct buffer) while there
        // is memory for it: on the grabber's thread, with the NIO backend, it could meet the limit and fail for good.
        io.netty.buffer.PooledByteBufAllocator.DEFAULT.directBuffer(1).release();
        Grabber grabber = new Grabber(false);
        Grabber nettyGrabber = new Grabber(true);
        grabber.start();
        nettyGrabber.start();
        int[] outcomes = storm(engine, data);
        grabber.stopAndRelease();
        nettyGrabber.stopAndRelease();
        info("stormSucceeded", outcomes[0]);
        info("stormOutOfMemory", outcomes[1]);
        if (backend == FileEngine.Backend.IO_URING || jdkCounts) {
            expect(opens[1] + outcomes[1] > 0, "some operation met the direct memory limit (else this probe tested "
                    + "nothing)");
        } // else the NIO backend takes no direct memory the limit counts: nothing of it can meet the limit

        System.gc();
        Thread.sleep(200);
        afterwards(engine, data, content);

        engine.close();
        List<String> left = threadsNamed("pressure");
        for (int i = 0; i < 100 && !left.isEmpty(); i++) {
            Thread.sleep(50);
            left = threadsNamed("pressure");
        }
        expect(left.isEmpty(), "engine threads still alive after close: " + left);
        Path real = data.toRealPath();
        List<String> open = new ArrayList<>();
        FallbackProbe.fds().forEach((fd, target) -> {
            if (target.equals(real.toString())) {
                open.add(fd + " -> " + target);
            }
        });
        expect(open.isEmpty(), "descriptors of the data file still open after close: " + open);
    }

    /**
     * Gives one direct buffer back the JDK's way: unreachable, collected, its cleaner run, as the direct-memory count
     * shows. (Netty's {@code freeDirectBuffer} frees only buffers Netty allocated itself from JDK 24 on.)
     */
    private static void release(ByteBuffer buffer) throws InterruptedException {
        BufferPoolMXBean direct = ManagementFactory.getPlatformMXBeans(BufferPoolMXBean.class).stream()
                .filter(pool -> pool.getName().equals("direct")).findFirst().orElseThrow();
        long target = direct.getMemoryUsed() - buffer.capacity();
        buffer = null; // the only reference left
        for (int i = 0; i < 250 && direct.getMemoryUsed() > target; i++) {
            System.gc();
            Thread.sleep(20);
        }
        expect(direct.getMemoryUsed() <= target, "a released direct buffer was not given back within 5 s");
    }

    /**
     * Whether the JDK's own {@code FileChannel} meets the limit when it reads into a heap buffer with almost no direct
     * memory left. Its temporary direct buffer counted against {@code -XX:MaxDirectMemorySize} up to JDK 21 or so;
     * later JDKs take it with {@code Unsafe.allocateMemory}, outside the count, and then so does the NIO backend.
     */
    private static boolean jdkTemporaryBuffersCounted(Path data) throws java.io.IOException {
        try (java.nio.channels.FileChannel channel = java.nio.channels.FileChannel.open(data, READ)) {
            channel.read(ByteBuffer.allocate(64 << 10), 0);
            return false;
        } catch (OutOfMemoryError counted) {
            return true;
        }
    }

    /** Takes direct memory in ever smaller pieces until less than {@code bytes} is left. */
    private static void leaveFree(List<ByteBuffer> held, int bytes) {
        for (int piece = 1 << 20; piece >= bytes; piece >>= 2) {
            try {
                while (true) {
                    held.add(ByteBuffer.allocateDirect(piece));
                }
            } catch (OutOfMemoryError full) {
                // next, smaller pieces
            }
        }
    }

    /** Opens with less than 80 bytes of direct memory free; returns {succeeded, failed with OutOfMemoryError}. */
    private static int[] opensWithAlmostNoMemory(FileEngine engine, Path data) throws Exception {
        int[] outcomes = new int[2];
        for (int i = 0; i < 4; i++) {
            CompletableFuture<AsyncFile> open = engine.open(data, READ);
            try {
                AsyncFile file = open.get(WAIT_SECONDS, TimeUnit.SECONDS);
                outcomes[0]++;
                file.closeAsync().get(WAIT_SECONDS, TimeUnit.SECONDS);
            } catch (TimeoutException e) {
                fail("an open with almost no direct memory left never completed");
                return outcomes;
            } catch (ExecutionException e) {
                if (unwrap(e.getCause()) instanceof OutOfMemoryError) {
                    outcomes[1]++;
                } else {
                    fail("unexpected failure of an open with almost no direct memory: " + e.getCause());
                }
            }
        }
        return outcomes;
    }

    /**
     * Holds every piece of direct memory it can get, until told to stop: the JDK's direct buffers, or Netty's, which
     * on JDK 24 and later Netty allocates and counts against the same limit on its own, outside the JDK's count. One
     * thread for each, so that neither slows the other's grabbing (a failed JDK allocation waits for a GC first).
     */
    private static final class Grabber extends Thread {
        private final boolean netty;
        private final List<ByteBuffer> held = new ArrayList<>();
        private final List<io.netty.buffer.ByteBuf> heldByNetty = new ArrayList<>();
        private volatile boolean stop;

        Grabber(boolean netty) {
            super(netty ? "grabber-netty" : "grabber");
            this.netty = netty;
            setDaemon(true);
        }

        @Override
        public void run() {
            while (!stop) {
                try {
                    if (netty) { // with -Dio.netty.allocator.numDirectArenas=0 nothing is pooled
                        heldByNetty.add(io.netty.buffer.PooledByteBufAllocator.DEFAULT.directBuffer(64 << 10));
                    } else {
                        held.add(ByteBuffer.allocateDirect(64 << 10));
                    }
                } catch (OutOfMemoryError full) {
                    Thread.onSpinWait();
                }
            }
        }

        void stopAndRelease() throws InterruptedException {
            stop = true;
            join();
            held.clear();
            heldByNetty.forEach(io.netty.buffer.ByteBuf::release);
            heldByNetty.clear();
        }
    }

    /** Operations while memory is scarce; returns {succeeded, failed with OutOfMemoryError}. */
    private static int[] storm(FileEngine engine, Path data) throws Exception {
        List<CompletableFuture<?>> ops = new ArrayList<>();
        List<AsyncFile> files = java.util.Collections.synchronizedList(new ArrayList<>());
        for (int i = 0; i < 40; i++) {
            CompletableFuture<AsyncFile> opened = engine.open(data, READ);
            ops.add(opened);
            ops.add(opened.thenCompose(file -> {
                files.add(file);
                // Heap buffer: each piece of at most 1 MiB is copied through direct memory, the first on this
                // thread, the next ones on the engine's thread when the one before completes.
                ByteBuffer heap = ByteBuffer.allocate(FILE_SIZE);
                return file.readFully(heap, 0);
            }));
            ops.add(engine.readAllBytes(data));
            ops.add(engine.size(data));
            ops.add(engine.exists(data));
            ops.add(engine.write(data.resolveSibling("out-" + i), new byte[3 << 20]));
        }
        int[] outcomes = new int[2];
        for (CompletableFuture<?> op : ops) {
            try {
                op.get(WAIT_SECONDS, TimeUnit.SECONDS);
                outcomes[0]++;
            } catch (TimeoutException e) {
                fail("an operation under memory pressure never completed");
            } catch (ExecutionException e) {
                Throwable cause = unwrap(e.getCause());
                if (cause instanceof OutOfMemoryError) {
                    outcomes[1]++;
                } else {
                    fail("unexpected failure under memory pressure: " + cause);
                }
            }
        }
        for (AsyncFile file : List.copyOf(files)) {
            file.closeAsync().get(WAIT_SECONDS, TimeUnit.SECONDS);
        }
        return outcomes;
    }

    /** With the memory back, every ring serves again. */
    private static void afterwards(FileEngine engine, Path data, byte[] content) {
        info("ringThreadsBeforeRecovery", threadsNamed("pressure-ring"));
        for (int i = 0; i < 8; i++) { // more rounds than rings: every ring gets opens and transfers
            try (AsyncFile file = engine.open(data, READ, WRITE, CREATE).get(WAIT_SECONDS, TimeUnit.SECONDS)) {
                ByteBuffer heap = ByteBuffer.allocate(FILE_SIZE);
                int n = file.readFully(heap, 0).get(WAIT_SECONDS, TimeUnit.SECONDS);
                expect(n == FILE_SIZE && Arrays.equals(content, heap.array()), "read after the pressure, round " + i);
                expect(Arrays.equals(content, engine.readAllBytes(data).get(WAIT_SECONDS, TimeUnit.SECONDS)),
                        "whole-file read after the pressure, round " + i);
            } catch (Exception e) {
                fail("operation after the pressure, round " + i + ": " + e);
            }
        }
        List<String> rings = threadsNamed("pressure-ring");
        if (engine.backend() == FileEngine.Backend.IO_URING) {
            expect(rings.size() == 2, "both ring threads alive after the pressure: " + rings);
        }
    }

    private static Throwable unwrap(Throwable error) {
        while (error instanceof CompletionException && error.getCause() != null) {
            error = error.getCause();
        }
        return error;
    }

    private static List<String> threadsNamed(String prefix) {
        List<String> names = new ArrayList<>();
        for (Thread thread : Thread.getAllStackTraces().keySet()) {
            if (thread.isAlive() && thread.getName().startsWith(prefix)) {
                names.add(thread.getName());
            }
        }
        return names;
    }

    private static void info(String key, Object value) {
        System.out.println("INFO " + key + "=" + value);
    }

    private static void expect(boolean condition, String what) {
        if (!condition) {
            fail(what);
        }
    }

    private static void fail(String what) {
        failures++;
        System.out.println("FAIL " + what);
    }
}
