package io.ringfile.nativetest;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.PoolArenaMetric;
import io.netty.buffer.PoolChunkListMetric;
import io.netty.buffer.PoolChunkMetric;
import io.netty.buffer.PooledByteBufAllocator;
import io.netty.util.ResourceLeakDetector;
import io.netty.util.internal.PlatformDependent;
import io.ringfile.AsyncFile;
import io.ringfile.FileEngine;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.BeforeEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

import java.io.IOException;
import java.lang.management.BufferPoolMXBean;
import java.lang.management.ManagementFactory;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.logging.Handler;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import java.util.stream.Collectors;

/**
 * After each test, this JVM is back where it was before it:
 * <ul>
 * <li>no new file descriptor (a ring, an event fd, a file) and no engine thread ({@code ringfile-*}) left alive;</li>
 * <li>Netty's pooled direct memory pinned by live buffers ({@link PooledByteBufAllocator#pinnedDirectMemory()} of
 * {@code PooledByteBufAllocator.DEFAULT}, where the engine takes its bounce buffers, path strings and statx
 * buffers) is back to its baseline: every buffer taken during the test was released. Memory the pool keeps in its
 * chunks and thread caches for reuse is not pinned and does not count;</li>
 * <li>the JDK's direct buffer pool ({@code BufferPoolMXBean} "direct"), minus the chunks Netty's pool holds when
 * those are counted there, is back to its baseline once garbage collection has run the Cleaners of unreachable
 * buffers. Not a leak but counted there: the JDK's per-thread cache of temporary direct buffers (used when a heap
 * buffer meets a channel), freed when the thread ends. Engine threads end with the engine; the test thread's cache
 * is reused and part of the baseline after the warm-up, and {@code Files.*} use at most 8 KiB at a time;</li>
 * <li>Netty's leak detector, at {@code PARANOID} (set in this module's pom), reported nothing: every reference
 * counted object the test or the engine dropped had been released. Reports are captured from the
 * {@code java.util.logging} logger Netty uses when no SLF4J or Log4j is on the class path, as here.</li>
 * </ul>
 * Each check is given ten seconds to settle, since engine threads end asynchronously and Cleaners run after a
 * garbage collection. There is no tolerance in bytes: a leak of one buffer fails. Tests that the check would not be
 * right for (abandoned kernel operations) do not use it.
 */
final class LeakCheck implements BeforeEachCallback, AfterEachCallback {
    private static final ExtensionContext.Namespace NS = ExtensionContext.Namespace.create(LeakCheck.class);
    private static final long SETTLE_SECONDS = 10;

    /** Held strongly: java.util.logging keeps loggers weakly, and a collected logger would lose the handler. */
    private static final Logger LEAK_LOGGER = Logger.getLogger(ResourceLeakDetector.class.getName());
    private static final List<String> LEAK_REPORTS = new ArrayList<>();

    private static boolean warmedUp;

    /**
     * Tests that end an engine by force while the kernel still holds reads (faultfs delays them past the shutdown
     * timeout). The engine then keeps those operations, and the buffers they read into, referenced for the life of
     * the JVM on purpose: freeing them would let the kernel write into freed memory. (Before the engine did so,
     * a forced GC here freed such buffers under the kernel and the JVM died with SIGSEGV in libc.) So the JDK
     * direct-memory baseline cannot hold after these tests; they get every other check.
     */
    private static final Set<String> KEEPS_ABANDONED_BUFFERS =
            Set.of("engineShutdownWithHundredsOfSlowReadsInFlightCompletesEveryFuture");

    private static boolean gcChecks(ExtensionContext context) {
        return !KEEPS_ABANDONED_BUFFERS.contains(context.getRequiredTestMethod().getName());
    }

    static {
        LEAK_LOGGER.addHandler(new Handler() {
            @Override
            public void publish(LogRecord record) {
                String message = record.getMessage();
                if (message != null && message.contains("LEAK")) {
                    synchronized (LEAK_REPORTS) {
                        LEAK_REPORTS.add(message);
                    }
                }
            }

            @Override
            public void flush() {
            }

            @Override
            public void close() {
            }
        });
    }

    @Override
    public void beforeEach(ExtensionContext context) throws InterruptedException {
        if (Native.isLinux()) {
            warmUp();
            // Reports that surface now come from code before this test (a failed test, or one without this check):
            // they are printed, not blamed on this test.
            List<String> earlier = gcChecks(context) ? drainLeakReports() : List.of();
            if (!earlier.isEmpty()) {
                System.err.println("LeakCheck: leak reports from before " + context.getDisplayName() + ": " + earlier);
            }
            ExtensionContext.Store store = context.getStore(NS);
            store.put("fds", fds());
            store.put("pinned", pinnedDirect());
            store.put("direct", gcChecks(context) ? settledJdkDirect(Long.MIN_VALUE) : Long.MAX_VALUE);
        }
    }

    /**
     * Starts and stops an engine of each backend once per JVM before the first baseline: one-time initialisation
     * (Netty's native library, the JDK's random sources) opens descriptors and allocates memory that stay by design.
     */
    private static synchronized void warmUp() {
        if (warmedUp) {
            return;
        }
        warmedUp = true;
        for (FileEngine.Backend backend : FileEngine.Backend.values()) {
            try (FileEngine engine = FileEngine.builder().backend(backend).build()) {
                // One operation of each kind too: the first io_uring operation leaves a 1-byte direct buffer
                // allocated for the life of the JVM (seen as +1 byte of JDK direct memory after the first test).
                Path file = Files.createTempFile("ringfile-leakcheck-", ".bin");
                try (AsyncFile f = engine.open(file, StandardOpenOption.READ, StandardOpenOption.WRITE)
                        .get(60, TimeUnit.SECONDS)) {
                    f.writeFully(ByteBuffer.wrap(new byte[] {1, 2, 3}), 0).get(60, TimeUnit.SECONDS);
                    f.readFully(ByteBuffer.allocate(3), 0).get(60, TimeUnit.SECONDS);
                    f.force(true).get(60, TimeUnit.SECONDS);
                } finally {
                    Files.delete(file);
                }
            } catch (UnsupportedOperationException ignored) {
                // io_uring cannot run here
            } catch (Exception e) {
                throw new AssertionError("LeakCheck warm-up failed on " + backend, e);
            }
        }
    }

    @Override
    public void afterEach(ExtensionContext context) throws InterruptedException {
        ExtensionContext.Store store = context.getStore(NS);
        @SuppressWarnings("unchecked")
        Map<Integer, String> before = store.get("fds", Map.class);
        if (before == null || context.getExecutionException().isPresent()) {
            return; // a failed test reports its own problem; leaks after it would only add noise
        }
        long pinnedBefore = store.get("pinned", Long.class);
        long directBefore = store.get("direct", Long.class);
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(SETTLE_SECONDS);
        Map<Integer, String> extra;
        Set<String> threads;
        long pinned;
        do {
            extra = fds();
            extra.entrySet().removeIf(e -> e.getValue().equals(before.get(e.getKey())));
            threads = engineThreads();
            pinned = pinnedDirect();
            if (extra.isEmpty() && threads.isEmpty() && pinned <= pinnedBefore) {
                break;
            }
            Thread.sleep(50);
        } while (System.nanoTime() < deadline);
        long direct = gcChecks(context) ? settledJdkDirect(directBefore) : Long.MIN_VALUE;
        List<String> leaks = gcChecks(context) ? drainLeakReports() : List.of();

        List<String> problems = new ArrayList<>();
        if (!extra.isEmpty()) {
            problems.add("file descriptors " + extra);
        }
        if (!threads.isEmpty()) {
            problems.add("engine threads " + threads);
        }
        if (pinned > pinnedBefore) {
            problems.add("Netty pooled direct memory pinned by unreleased buffers: " + pinned + " bytes, was "
                    + pinnedBefore);
        }
        if (direct > directBefore) {
            problems.add("JDK direct buffer memory (without Netty's chunks): " + direct + " bytes, was "
                    + directBefore);
        }
        if (!leaks.isEmpty()) {
            problems.add(leaks.size() + " Netty leak report(s): " + String.join("\n", leaks));
        }
        if (!problems.isEmpty()) {
            throw new AssertionError("leaked by " + context.getDisplayName() + ": " + String.join("; ", problems));
        }
    }

    /** Open descriptors of this process and their targets, without /proc entries (the listing itself). */
    static Map<Integer, String> fds() {
        return FallbackProbe.fds();
    }

    private static Set<String> engineThreads() {
        return Thread.getAllStackTraces().keySet().stream().filter(Thread::isAlive).map(Thread::getName)
                .filter(n -> n.startsWith("ringfile")).collect(Collectors.toCollection(TreeSet::new));
    }

    /** Bytes of the default pool's direct chunks taken by buffers not yet released (released ones are unpinned). */
    static long pinnedDirect() {
        return PooledByteBufAllocator.DEFAULT.pinnedDirectMemory();
    }

    /**
     * The JDK's direct buffer memory in use, without the chunks of Netty's pool when those are JDK direct buffers
     * (with Unsafe, Netty allocates them without a Cleaner and the JDK does not count them at all) and without the
     * segments pooled for the system calls made on callers' threads (JDK 22+; the pool keeps up to 64, as many as
     * threads have used at once). Runs garbage
     * collections until the value is at most {@code target} or stops falling for the settle time; with
     * {@code Long.MIN_VALUE} (a baseline) until it stops falling.
     */
    static long settledJdkDirect(long target) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(SETTLE_SECONDS);
        long last = Long.MAX_VALUE;
        int stable = 0;
        while (true) {
            System.gc();
            Thread.sleep(20);
            long now = jdkDirect();
            if (now <= target || System.nanoTime() >= deadline) {
                return now;
            }
            stable = now < last ? 0 : stable + 1;
            last = now;
            if (target == Long.MIN_VALUE && stable >= 3) {
                return now;
            }
        }
    }

    private static long jdkDirect() {
        long used = 0;
        for (BufferPoolMXBean pool : ManagementFactory.getPlatformMXBeans(BufferPoolMXBean.class)) {
            if (pool.getName().equals("direct")) {
                used = pool.getMemoryUsed();
            }
        }
        used -= io.ringfile.internal.uring.NoWaitCalls.pooledScratchBytes();
        return PlatformDependent.useDirectBufferNoCleaner() ? used : used - nettyChunkBytes();
    }

    private static long nettyChunkBytes() {
        long bytes = 0;
        for (PoolArenaMetric arena : PooledByteBufAllocator.DEFAULT.metric().directArenas()) {
            for (PoolChunkListMetric list : arena.chunkLists()) {
                for (PoolChunkMetric chunk : list) {
                    bytes += chunk.chunkSize();
                }
            }
        }
        return bytes;
    }

    /**
     * Makes Netty's leak detector report what garbage collection found unreleased, and returns the reports since
     * the last call. The detector reports only when it tracks a new object, so after collecting this allocates and
     * releases one pooled buffer, a few times to let reference processing catch up.
     */
    static List<String> drainLeakReports() throws InterruptedException {
        for (int i = 0; i < 3; i++) {
            System.gc();
            Thread.sleep(30);
            ByteBuf probe = PooledByteBufAllocator.DEFAULT.directBuffer(1);
            probe.release();
        }
        synchronized (LEAK_REPORTS) {
            List<String> reports = new ArrayList<>(LEAK_REPORTS);
            LEAK_REPORTS.clear();
            return reports;
        }
    }
}
