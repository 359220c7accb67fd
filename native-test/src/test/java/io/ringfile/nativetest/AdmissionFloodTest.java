package io.ringfile.nativetest;

import io.netty.buffer.PooledByteBufAllocator;
import io.ringfile.AsyncFile;
import io.ringfile.EngineMetrics;
import io.ringfile.EngineOverloadedException;
import io.ringfile.FileEngine;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.function.Executable;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.lang.management.BufferPoolMXBean;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryPoolMXBean;
import java.lang.management.MemoryType;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Queue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ForkJoinPool;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;
import java.util.concurrent.locks.LockSupport;

import static java.nio.file.StandardOpenOption.CREATE_NEW;
import static java.nio.file.StandardOpenOption.READ;
import static java.nio.file.StandardOpenOption.WRITE;
import static org.junit.jupiter.api.Assertions.assertAll;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A flood of 10 million reads from 64 platform threads against a slow FUSE file (faultfs holds every read 20 ms, so
 * the file serves a few hundred reads a second): the engine's admission limits keep what it holds bounded, refuse the
 * rest with {@link EngineOverloadedException}, and count every refusal; every future completes.
 *
 * <p>Each thread issues its share of reads as fast as it can, one after another, never waiting for a future: a read
 * goes into a 4 KiB direct buffer that is the read's own until its future completes (then it goes back to a free list
 * shared by the threads; a new one is allocated when the list is empty). So what the test holds is what the engine
 * makes it hold: the reads under way in the engine (at most {@code maxInFlight + maxQueued}) plus those whose future
 * has not completed yet. A refused call fails at once, so with a sound engine the buffers number about the limit. A
 * safety cap of {@value #BUFFER_CAP} buffers (64 MiB) keeps a broken engine from taking the shared machine's memory:
 * at the cap a thread waits for a buffer to come back, and the memory check below fails anyway.
 *
 * <p>The limits are modest, {@value #MAX_IN_FLIGHT} in flight and {@value #MAX_QUEUED} queued, not the defaults (4096
 * and 65,536): at the few hundred reads a second the slow file serves, draining 69,632 accepted reads at the end
 * would take minutes, and reaching them would need 69,632 buffers (272 MiB) at once. The mechanism tested is the same.
 *
 * <p>What is checked: every call's future completed (counted in {@code whenComplete}; after the flood a bounded wait
 * for the accepted ones); each completed with 4096 bytes of the right block (each block of the file holds its own
 * number) or with {@code EngineOverloadedException}, nothing else; {@link EngineMetrics#rejected()} equals the
 * refusals seen, and the READ counts agree; {@link EngineMetrics#underWay()}, sampled all along, never exceeds
 * {@code maxInFlight + maxQueued}, and is 0 at the end; the memory in use (the live heap after a full collection plus
 * the JDK's direct buffers, sampled once a second) stays within {@value #MEMORY_BOUND_MIB} MiB of the start and does
 * not grow from the first million reads to the tenth.
 */
@ExtendWith(LeakCheck.class)
@Timeout(900)
class AdmissionFloodTest {
    private static final long OPERATIONS = 10_000_000;
    private static final int THREADS = 64;
    private static final int MAX_IN_FLIGHT = 64;
    private static final int MAX_QUEUED = 1024;
    private static final int BLOCK = 4096;
    private static final int BLOCKS = 4096; // a 16 MiB file
    private static final int DELAY_MILLIS = 20;
    private static final int BUFFER_CAP = 16_384;
    /**
     * The most time the threads get to issue their reads: refusals that fail on the calling thread let the ten
     * million go out in about 20 s on a 2-core machine (measured); an engine that makes the threads wait longer is
     * reported rather than waited for.
     */
    private static final long ISSUE_BUDGET_SECONDS = 240;

    /**
     * What a sound engine may make the test hold beyond its start, generously: the reads under way (1,088 at most)
     * each with its 4 KiB buffer and at most a few hundred bytes of the engine's and the test's own (about 5 MiB), the
     * reads being issued (64), and the few futures completed but not yet seen: about 6 MiB, so 32 MiB leaves room
     * for the JDK's and Netty's own (a pool chunk of 4 MiB, say).
     */
    private static final long MEMORY_BOUND_MIB = 32;
    /**
     * From the first million reads to the tenth, growth of more than this means something kept per operation: 9
     * million more operations keeping even one byte each would show as 8.6 MiB.
     */
    private static final long GROWTH_BOUND_MIB = 8;
    private static final long MIB = 1 << 20;

    private static Path base;
    private static FaultFs fs;
    private static String skipReason;

    @BeforeAll
    static void mount() throws Exception {
        skipReason = Native.setUp(() -> {
            Native.assumeLinuxRoot();
            base = Files.createTempDirectory("ringfile-flood-");
            fs = FaultFs.mount(base, FaultFs.Mode.DIRECT_IO);
            // Block b holds the number b in each of its 512 longs, so a read's bytes tell which block they are from.
            try (FileChannel file = FileChannel.open(fs.backing("slow.bin"), CREATE_NEW, WRITE)) {
                ByteBuffer block = ByteBuffer.allocate(BLOCK);
                for (long b = 0; b < BLOCKS; b++) {
                    block.clear();
                    while (block.hasRemaining()) {
                        block.putLong(b);
                    }
                    block.flip();
                    while (block.hasRemaining()) {
                        file.write(block, b * BLOCK + block.position());
                    }
                }
            }
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

    /** The counts, which are all the test keeps of the ten million operations. */
    private static final class Counts {
        final LongAdder issued = new LongAdder();
        final LongAdder ended = new LongAdder();
        final LongAdder completed = new LongAdder();
        final LongAdder rejected = new LongAdder();
        /** Refused calls whose future was not yet complete when the call returned. */
        final LongAdder rejectedLater = new LongAdder();
        final LongAdder wrongBytes = new LongAdder();
        final LongAdder otherFailures = new LongAdder();
        /** The first few unexpected outcomes, for the report. */
        final Queue<String> examples = new ConcurrentLinkedQueue<>();
        final AtomicInteger exampleCount = new AtomicInteger();

        void example(String what) {
            if (exampleCount.incrementAndGet() <= 10) {
                examples.add(what);
            }
        }
    }

    /** The 4 KiB direct buffers, each a read's own while its future is pending. */
    private static final class Buffers {
        final Queue<ByteBuffer> free = new ConcurrentLinkedQueue<>();
        final AtomicInteger allocated = new AtomicInteger();
        final LongAdder waitsAtCap = new LongAdder();

        ByteBuffer take() {
            ByteBuffer buffer = free.poll();
            if (buffer != null) {
                return buffer;
            }
            if (allocated.incrementAndGet() <= BUFFER_CAP) {
                return ByteBuffer.allocateDirect(BLOCK);
            }
            allocated.decrementAndGet();
            waitsAtCap.increment();
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(Engines.WAIT_SECONDS);
            while ((buffer = free.poll()) == null) {
                if (System.nanoTime() > deadline) {
                    throw new AssertionError("no read's future completed in " + Engines.WAIT_SECONDS + " s to free "
                            + "one of the " + BUFFER_CAP + " buffers");
                }
                LockSupport.parkNanos(100_000);
            }
            return buffer;
        }
    }

    /** Live heap and direct memory, after a full collection. */
    private static final class Memory {
        final long issued;
        final long heap;
        final long direct;
        final int buffers;

        Memory(long issued, int buffers) {
            this.issued = issued;
            this.buffers = buffers;
            System.gc();
            this.heap = liveHeap();
            this.direct = jdkDirect();
        }

        long total() {
            return heap + direct;
        }

        @Override
        public String toString() {
            return String.format("after %,d issued: heap %.1f MiB + direct %.1f MiB = %.1f MiB (%,d buffers)",
                    issued, heap / (double) MIB, direct / (double) MIB, total() / (double) MIB, buffers);
        }
    }

    @ParameterizedTest
    @EnumSource(names = {"IO_URING", "NIO"})
    void tenMillionReadsFromSixtyFourThreadsStayWithinTheLimits(FileEngine.Backend backend) throws Exception {
        Path path = fs.path("slow.bin");
        Counts counts = new Counts();
        Buffers buffers = new Buffers();
        long limit = (long) MAX_IN_FLIGHT + MAX_QUEUED;
        try (FileEngine engine = Engines.start(FileEngine.builder().backend(backend)
                .maxInFlight(MAX_IN_FLIGHT).maxQueued(MAX_QUEUED))) {
            AsyncFile file = Engines.open(engine.open(path, READ));
            try {
                Memory start = new Memory(0, 0);
                fs.rule("read", 0, 0, -1, DELAY_MILLIS);

                AtomicLong maxUnderWay = new AtomicLong();
                AtomicLong underWaySamples = new AtomicLong();
                AtomicLong overLimitSamples = new AtomicLong();
                AtomicLong maxOutstanding = new AtomicLong();
                AtomicLong maxCompleterQueue = new AtomicLong();
                List<Memory> memory = new ArrayList<>();
                Memory[] atFirstMillion = new Memory[1];
                AtomicInteger producersLeft = new AtomicInteger(THREADS);
                List<Throwable> producerErrors = new ArrayList<>();

                // Samples the engine's gauge as often as it can get the CPU, until the flood is over and drained.
                Thread gauge = new Thread(() -> {
                    while (producersLeft.get() > 0 || counts.ended.sum() < counts.issued.sum()) {
                        int underWay = engine.metrics().underWay();
                        underWaySamples.incrementAndGet();
                        maxUnderWay.accumulateAndGet(underWay, Math::max);
                        if (underWay > limit) {
                            overLimitSamples.incrementAndGet();
                        }
                        maxOutstanding.accumulateAndGet(counts.issued.sum() - counts.ended.sum(), Math::max);
                        // The engine's default completion executor: where its futures wait to be completed.
                        ForkJoinPool completer = ForkJoinPool.commonPool();
                        maxCompleterQueue.accumulateAndGet(completer.getQueuedSubmissionCount()
                                + completer.getQueuedTaskCount(), Math::max);
                        Thread.onSpinWait(); // no sleep: a sleeping thread gets few turns among 64 busy ones
                    }
                }, "flood-gauge");
                // Memory once a second, after a full collection.
                Thread memoryProbe = new Thread(() -> {
                    while (producersLeft.get() > 0) {
                        Memory m = new Memory(counts.issued.sum(), buffers.allocated.get());
                        synchronized (memory) {
                            memory.add(m);
                            if (atFirstMillion[0] == null && m.issued >= 1_000_000) {
                                atFirstMillion[0] = m;
                            }
                        }
                        LockSupport.parkNanos(TimeUnit.SECONDS.toNanos(1));
                    }
                }, "flood-memory");
                gauge.setDaemon(true);
                memoryProbe.setDaemon(true);

                long began = System.nanoTime();
                long stopAt = began + TimeUnit.SECONDS.toNanos(ISSUE_BUDGET_SECONDS);
                List<Thread> producers = new ArrayList<>();
                for (int t = 0; t < THREADS; t++) {
                    long share = OPERATIONS / THREADS + (t < OPERATIONS % THREADS ? 1 : 0);
                    producers.add(new Thread(() -> {
                        try {
                            flood(file, share, stopAt, counts, buffers);
                        } catch (Throwable e) {
                            synchronized (producerErrors) {
                                producerErrors.add(e);
                            }
                        } finally {
                            producersLeft.decrementAndGet();
                        }
                    }, "flooder-" + t));
                }
                gauge.start();
                memoryProbe.start();
                producers.forEach(Thread::start);
                for (Thread producer : producers) {
                    // The budget, then the bounded wait of a buffer at the cap, then a margin.
                    producer.join(TimeUnit.SECONDS.toMillis(ISSUE_BUDGET_SECONDS + Engines.WAIT_SECONDS + 30));
                    assertTrue(!producer.isAlive(), producer.getName() + " still issuing past its time budget");
                }
                long issuedNanos = System.nanoTime() - began;
                Memory atEnd = new Memory(counts.issued.sum(), buffers.allocated.get());

                long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(Engines.WAIT_SECONDS * 2);
                while (counts.ended.sum() < counts.issued.sum() && System.nanoTime() < deadline) {
                    Thread.sleep(10);
                }
                long drainedNanos = System.nanoTime() - began;
                fs.clear();
                gauge.join(TimeUnit.SECONDS.toMillis(10));
                memoryProbe.join(TimeUnit.SECONDS.toMillis(10));
                Memory afterDrain = new Memory(counts.issued.sum(), buffers.allocated.get());
                EngineMetrics metrics = engine.metrics();
                EngineMetrics.OperationMetrics reads = metrics.operation(EngineMetrics.Operation.READ);

                long peak;
                Memory peakSample;
                synchronized (memory) {
                    memory.add(atEnd);
                    memory.add(afterDrain);
                    peakSample = memory.stream().max((a, b) -> Long.compare(a.total(), b.total())).orElseThrow();
                    peak = peakSample.total();
                }
                Memory firstMillion = atFirstMillion[0] != null ? atFirstMillion[0] : atEnd;

                long issued = counts.issued.sum();
                long ended = counts.ended.sum();
                long completed = counts.completed.sum();
                long rejected = counts.rejected.sum();
                String report = String.format("AdmissionFloodTest %s: %,d issued in %.1f s (%,.0f/s), all ended after "
                                + "%.1f s; %,d completed, %,d rejected (%,d of them not yet failed when the call "
                                + "returned), %,d wrong bytes, %,d other failures; engine: rejected %,d, READ "
                                + "submitted %,d completed %,d failed %,d, under way now %d; under way at most %d "
                                + "(limit %d) in %,d samples, %,d samples over the limit; the test's own futures "
                                + "pending at most %,d; the completion executor (common pool, parallelism %d) held at most %,d "
                                + "tasks; buffers %,d (%,d waits at the cap); Netty pooled direct %.1f "
                                + "MiB%nmemory: start %s%n  first million %s%n  end of issuing %s%n  after drain %s%n"
                                + "  peak %s%n  %d samples: %s%n  examples of unexpected outcomes: %s",
                        backend, issued, issuedNanos / 1e9, issued / (issuedNanos / 1e9), drainedNanos / 1e9,
                        completed, rejected, counts.rejectedLater.sum(), counts.wrongBytes.sum(),
                        counts.otherFailures.sum(), metrics.rejected(), reads.submitted(), reads.completed(),
                        reads.failed(), metrics.underWay(), maxUnderWay.get(), limit, underWaySamples.get(),
                        overLimitSamples.get(), maxOutstanding.get(), ForkJoinPool.getCommonPoolParallelism(),
                        maxCompleterQueue.get(), buffers.allocated.get(),
                        buffers.waitsAtCap.sum(),
                        PooledByteBufAllocator.DEFAULT.metric().usedDirectMemory() / (double) MIB, start,
                        firstMillion, atEnd, afterDrain, peakSample, memory.size(), memory, counts.examples);
                System.out.println(report);

                List<Executable> checks = new ArrayList<>();
                checks.add(() -> assertTrue(producerErrors.isEmpty(), "producer threads failed: " + producerErrors));
                checks.add(() -> assertEquals(OPERATIONS, issued, "reads issued within the budget of "
                        + ISSUE_BUDGET_SECONDS + " s"));
                checks.add(() -> assertEquals(issued, ended, "every future completed (bounded wait of "
                        + Engines.WAIT_SECONDS * 2 + " s after the flood)"));
                checks.add(() -> assertEquals(0, counts.otherFailures.sum(), "futures that failed with something "
                        + "other than EngineOverloadedException: " + counts.examples));
                checks.add(() -> assertEquals(0, counts.wrongBytes.sum(), "reads with a wrong count or the wrong "
                        + "block's bytes: " + counts.examples));
                checks.add(() -> assertEquals(issued, completed + rejected, "completed + rejected = issued"));
                checks.add(() -> assertTrue(rejected > 0, "the flood never exceeded the limits"));
                checks.add(() -> assertTrue(completed > 0, "no read completed"));
                checks.add(() -> assertEquals(rejected, metrics.rejected(), "metrics().rejected() against the "
                        + "EngineOverloadedExceptions seen"));
                checks.add(() -> assertEquals(issued, reads.submitted(), "READ submitted"));
                checks.add(() -> assertEquals(completed, reads.completed(), "READ completed"));
                checks.add(() -> assertEquals(rejected, reads.failed(), "READ failed: the refusals"));
                checks.add(() -> assertTrue(maxUnderWay.get() <= limit, "metrics().underWay() reached "
                        + maxUnderWay.get() + " (" + overLimitSamples.get() + " of " + underWaySamples.get()
                        + " samples over " + limit + ")"));
                checks.add(() -> assertTrue(maxUnderWay.get() >= MAX_IN_FLIGHT, "the engine never had even "
                        + MAX_IN_FLIGHT + " under way: at most " + maxUnderWay.get()));
                checks.add(() -> assertEquals(0, metrics.underWay(), "under way after every future completed"));
                checks.add(() -> assertTrue(peak - start.total() <= MEMORY_BOUND_MIB * MIB, String.format(
                        "memory grew %.1f MiB from the start (bound %d MiB): peak %s; start %s", (peak
                                - start.total()) / (double) MIB, MEMORY_BOUND_MIB, peakSample, start)));
                checks.add(() -> assertTrue(atEnd.total() - firstMillion.total() <= GROWTH_BOUND_MIB * MIB,
                        String.format("memory grew %.1f MiB from %s to %s (bound %d MiB)", (atEnd.total()
                                - firstMillion.total()) / (double) MIB, firstMillion, atEnd, GROWTH_BOUND_MIB)));
                assertAll("flood on " + backend, checks);
            } finally {
                fs.clear();
                file.close();
            }
        }
    }

    /**
     * One thread's share of the flood: {@code count} reads of random blocks, each as soon as the last was made; fewer
     * if the time budget ends at {@code stopAt} ({@link System#nanoTime()}).
     */
    private static void flood(AsyncFile file, long count, long stopAt, Counts counts, Buffers buffers) {
        ThreadLocalRandom random = ThreadLocalRandom.current();
        for (long i = 0; i < count; i++) {
            if ((i & 1023) == 0 && System.nanoTime() - stopAt > 0) {
                return;
            }
            ByteBuffer buffer = buffers.take();
            buffer.clear();
            long block = random.nextInt(BLOCKS);
            CompletableFuture<Integer> read;
            try {
                read = file.read(buffer, block * BLOCK);
            } catch (RuntimeException e) { // not a future's failure: the call itself threw
                counts.issued.increment();
                counts.otherFailures.increment();
                counts.example("read threw " + e);
                counts.ended.increment();
                buffers.free.add(buffer);
                continue;
            }
            counts.issued.increment();
            boolean doneAtReturn = read.isDone();
            read.whenComplete((n, error) -> {
                Throwable e = error instanceof CompletionException && error.getCause() != null
                        ? error.getCause() : error;
                if (e == null) {
                    if (n == BLOCK && buffer.getLong(0) == block && buffer.getLong(BLOCK - 8) == block) {
                        counts.completed.increment();
                    } else {
                        counts.wrongBytes.increment();
                        counts.example("read of block " + block + " returned " + n + " bytes starting with block "
                                + buffer.getLong(0));
                    }
                } else if (e instanceof EngineOverloadedException) {
                    counts.rejected.increment();
                    if (!doneAtReturn) {
                        counts.rejectedLater.increment();
                    }
                } else {
                    counts.otherFailures.increment();
                    counts.example(e.toString());
                }
                buffers.free.add(buffer);
                counts.ended.increment();
            });
        }
    }

    /** The live heap: the old generation right after a full collection (everything live is there then). */
    private static long liveHeap() {
        long old = -1;
        for (MemoryPoolMXBean pool : ManagementFactory.getMemoryPoolMXBeans()) {
            String name = pool.getName();
            if (pool.getType() == MemoryType.HEAP && (name.contains("Old") || name.contains("Tenured"))) {
                old = Math.max(old, 0) + pool.getUsage().getUsed();
            }
        }
        return old >= 0 ? old : ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
    }

    /** The JDK's direct buffers in use. */
    private static long jdkDirect() {
        for (BufferPoolMXBean pool : ManagementFactory.getPlatformMXBeans(BufferPoolMXBean.class)) {
            if (pool.getName().equals("direct")) {
                return pool.getMemoryUsed();
            }
        }
        return 0;
    }
}
