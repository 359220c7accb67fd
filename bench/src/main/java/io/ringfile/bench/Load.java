package io.ringfile.bench;

import org.HdrHistogram.Recorder;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ForkJoinPool;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;
import java.util.concurrent.locks.LockSupport;

/**
 * A closed-loop load that keeps exactly {@code queueDepth} operations outstanding on one {@link OpenFile} until it
 * is stopped (or until a bounded number of operations is done).
 *
 * <p>Asynchronous engines are driven by {@code queueDepth} slots: each slot issues one operation and, from the
 * completion callback, the next one; nobody blocks. Thread-driven loads ({@code FILE_CHANNEL} always; any engine
 * with {@link Driver#PLATFORM_THREADS} or {@link Driver#VIRTUAL_THREADS}) run {@code queueDepth} threads that each
 * call the blocking form in a loop; for Ringfile that is {@code read(..).join()}, a blocking caller on the
 * asynchronous engine. Either way exactly {@code queueDepth} operations are in flight (or queued inside the engine)
 * at all times.
 *
 * <p>Latency is measured per operation up to the moment the caller sees the completion (callback or return), so
 * it includes the engine's completion hand-off. An asynchronous slot starts the clock when it issues; a thread
 * starts it when its previous operation ended (see {@link #runThread}). It is recorded in an HdrHistogram
 * {@link Recorder}: the completions arrive on many threads at once, the recorder takes them without locks or
 * allocation, keeps three significant digits over any range, and its percentiles are exact to that precision.
 * JMH's own SampleTime mode cannot do this: it times calls of the benchmark method, which with many operations in
 * flight is not the latency of any one operation.
 */
final class Load implements AutoCloseable {

    /**
     * Where operation number n goes: SEQUENTIAL wraps around the file; APPEND never wraps (block n of a file that
     * grows, a log's pattern: each writer takes the next block); RANDOM is uniform over the file's blocks.
     */
    enum Pattern { SEQUENTIAL, RANDOM, APPEND }

    enum Mix {
        READ, WRITE,
        /** 70% reads, 30% writes, fsync after every {@code fsyncEvery}-th write. */
        READ_70_WRITE_30
    }

    enum Driver { CALLBACKS, PLATFORM_THREADS, VIRTUAL_THREADS }

    /** What to run. */
    static final class Spec {
        Pattern pattern = Pattern.RANDOM;
        Mix mix = Mix.READ;
        int blockSize = 4096;
        int queueDepth = 1;
        long fileSize;
        /** Stop after this many reads/writes; 0 runs until {@link #close()}. */
        long totalOps;
        /**
         * force after every n-th write; 0 never. With 1, each write and its force are one record: the latency
         * recorded runs from the write's call to the force's completion.
         */
        int fsyncEvery;
        /** What the forces ask for: {@code force(true)} (fsync) or {@code force(false)} (fdatasync). */
        boolean forceMetadata = true;
        /** Page-aligned buffers, required for O_DIRECT. */
        boolean aligned;
        Driver driver = Driver.CALLBACKS;
        /** Buffers to use (one per slot or thread, at least {@code queueDepth}); null to allocate. */
        ByteBuffer[] buffers;

        Spec pattern(Pattern p) { pattern = p; return this; }
        Spec mix(Mix m) { mix = m; return this; }
        Spec blockSize(int b) { blockSize = b; return this; }
        Spec queueDepth(int q) { queueDepth = q; return this; }
        Spec fileSize(long s) { fileSize = s; return this; }
        Spec totalOps(long t) { totalOps = t; return this; }
        Spec fsyncEvery(int n) { fsyncEvery = n; return this; }
        Spec forceMetadata(boolean m) { forceMetadata = m; return this; }
        Spec aligned(boolean a) { aligned = a; return this; }
        Spec driver(Driver d) { driver = d; return this; }
        Spec buffers(ByteBuffer[] b) { buffers = b; return this; }
    }

    private static final int READ = 0;
    private static final int WRITE = 1;
    private static final int FSYNC = 2;

    private final OpenFile file;
    private final Spec spec;
    private final Recorder latency;
    private final long blocks;

    private final AtomicLong next = new AtomicLong();      // sequence number of the next operation
    private final AtomicLong completed = new AtomicLong(); // reads and writes done
    private final AtomicLong writes = new AtomicLong();
    private final LongAdder bytes = new LongAdder();
    private final LongAdder fsyncs = new LongAdder();
    private final CountDownLatch finished;
    private final AtomicInteger buffersTaken = new AtomicInteger();
    private final List<Thread> threads = new ArrayList<>();

    private volatile boolean stopping;
    private volatile Throwable failure;
    private volatile Thread waiter;
    private volatile long waitFor = Long.MAX_VALUE;

    private Load(OpenFile file, Spec spec, Recorder latency) {
        this.file = file;
        this.spec = spec;
        this.latency = latency;
        this.blocks = spec.fileSize / spec.blockSize;
        if (blocks < 1) {
            throw new IllegalArgumentException("file smaller than one block");
        }
        this.finished = new CountDownLatch(spec.queueDepth);
    }

    /**
     * Starts the load. {@code latency} may be null.
     *
     * @throws UnsupportedOperationException when virtual threads are asked for on a JDK without them
     */
    static Load start(OpenFile file, Spec spec, Recorder latency) {
        Load load = new Load(file, spec, latency);
        if (spec.driver == Driver.CALLBACKS && !file.hasAsync()) {
            spec.driver = Driver.PLATFORM_THREADS;
        }
        if (spec.driver == Driver.CALLBACKS) {
            for (int i = 0; i < spec.queueDepth; i++) {
                load.new Slot().next();
            }
        } else {
            ThreadFactory factory = spec.driver == Driver.VIRTUAL_THREADS ? VirtualThreads.factory()
                    : task -> {
                        Thread t = new Thread(task);
                        t.setDaemon(true);
                        return t;
                    };
            for (int i = 0; i < spec.queueDepth; i++) {
                int id = i;
                Thread t = factory.newThread(() -> load.runThread(id));
                t.setName("bench-io-" + i);
                load.threads.add(t);
            }
            for (Thread t : load.threads) {
                t.start();
            }
        }
        return load;
    }

    /** Reads and writes completed so far (fsyncs not counted). */
    long completedOps() {
        return completed.get();
    }

    long completedBytes() {
        return bytes.sum();
    }

    long fsyncs() {
        return fsyncs.sum();
    }

    /** Blocks until at least {@code target} reads and writes have completed in total. */
    void awaitCompleted(long target) {
        Thread me = Thread.currentThread();
        waiter = me;
        waitFor = target;
        while (completed.get() < target) {
            checkFailure();
            if (stopping && finished.getCount() == 0) {
                throw new IllegalStateException("load ended before " + target + " operations");
            }
            LockSupport.parkNanos(this, TimeUnit.MILLISECONDS.toNanos(100));
        }
        waitFor = Long.MAX_VALUE;
        checkFailure();
    }

    /** For a bounded load: waits until every operation has completed. */
    void awaitDone() throws InterruptedException {
        finished.await();
        checkFailure();
    }

    /** Stops issuing and waits for the operations in flight to finish. */
    @Override
    public void close() {
        stopping = true;
        try {
            if (!finished.await(60, TimeUnit.SECONDS)) {
                throw new IllegalStateException("operations still in flight 60 s after stop");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private void checkFailure() {
        Throwable f = failure;
        if (f != null) {
            throw new IllegalStateException("I/O failed: " + f, f);
        }
    }

    private void fail(Throwable error) {
        if (failure == null) {
            failure = error;
        }
        stopping = true;
        Thread w = waiter;
        if (w != null) {
            LockSupport.unpark(w);
        }
    }

    /** The position of operation number {@code seq}, or -1 when a bounded load has issued everything. */
    private long position(long seq, SplittableRandom random) {
        if (spec.totalOps > 0 && seq >= spec.totalOps) {
            return -1;
        }
        long block = spec.pattern == Pattern.APPEND ? seq
                : spec.pattern == Pattern.SEQUENTIAL ? seq % blocks
                : random != null ? random.nextLong(blocks) : ThreadLocalRandom.current().nextLong(blocks);
        return block * spec.blockSize;
    }

    private int kind(SplittableRandom random) {
        switch (spec.mix) {
            case READ:
                return READ;
            case WRITE:
                return WRITE;
            default:
                int r = random != null ? random.nextInt(10) : ThreadLocalRandom.current().nextInt(10);
                return r < 7 ? READ : WRITE;
        }
    }

    /**
     * Counts a read or write that finished at {@code now} and was started at {@code startNanos}; returns true when
     * an fsync is due now.
     */
    private boolean count(int kind, int n, long startNanos, long now) {
        if (!(kind == WRITE && spec.fsyncEvery == 1)) { // else recorded with its force, as one record
            record(startNanos, now);
        }
        bytes.add(n);
        long done = completed.incrementAndGet();
        if (done == waitFor) {
            Thread w = waiter;
            if (w != null) {
                LockSupport.unpark(w);
            }
        }
        return kind == WRITE && spec.fsyncEvery > 0 && writes.incrementAndGet() % spec.fsyncEvery == 0;
    }

    private void record(long startNanos, long now) {
        if (latency != null) {
            latency.recordValue(Math.min(Latency.MAX_NANOS, Math.max(1, now - startNanos)));
        }
    }

    private ByteBuffer newBuffer() {
        if (spec.buffers != null) {
            return spec.buffers[buffersTaken.getAndIncrement()];
        }
        ByteBuffer buffer = spec.aligned ? Buffers.aligned(spec.blockSize) : ByteBuffer.allocateDirect(spec.blockSize);
        if (spec.mix != Mix.READ) {
            Buffers.fill(buffer);
        }
        return buffer;
    }

    private void checkTransfer(int kind, int n) throws IOException {
        if (n != spec.blockSize) {
            throw new IOException((kind == READ ? "read" : "write") + " transferred " + n + " of " + spec.blockSize
                    + " bytes");
        }
    }

    // ---- thread driver

    /**
     * One thread of a thread-driven load. Its clock for an operation starts when its previous operation ended, not
     * when the thread next gets a CPU: with more threads than cores, the wait for a core is part of what a request
     * experiences (timing only the call would report sub-microsecond page-cache reads for 1,024 threads on two
     * cores). Asynchronous slots start their clock when they issue, which is right after the previous completion.
     */
    private void runThread(int id) {
        SplittableRandom random = new SplittableRandom(id * 0x9E3779B97F4A7C15L + System.nanoTime());
        ByteBuffer buffer = newBuffer();
        try {
            long start = System.nanoTime();
            while (!stopping) {
                long position = position(next.getAndIncrement(), random);
                if (position < 0) {
                    break;
                }
                int kind = kind(random);
                buffer.clear();
                int n = kind == READ ? file.readBlocking(buffer, position) : file.writeBlocking(buffer, position);
                long now = System.nanoTime();
                checkTransfer(kind, n);
                if (count(kind, n, start, now)) {
                    file.forceBlocking(spec.forceMetadata);
                    fsyncs.increment();
                    now = System.nanoTime();
                    if (spec.fsyncEvery == 1) {
                        record(start, now);
                    }
                }
                start = now;
            }
        } catch (Throwable e) {
            fail(e);
        } finally {
            finished.countDown();
        }
    }

    // ---- callback driver

    /**
     * One outstanding operation, reissued from its own completion. A completion that arrives while the issuing call
     * is still on the stack (a synchronous completion, or a very fast one on another thread) hands the reissue to
     * the issuing frame, which loops: whichever of the two finishes last issues the next operation, exactly once,
     * and the stack never grows. After {@link #EARLY_LIMIT} such completions in a row the frame passes the reissue
     * to the common pool (where Ringfile's completions run by default) and returns.
     */
    private final class Slot extends Callback {
        /**
         * Completions in a row on the issuing thread (an engine that makes the call there: Ringfile's reads from the
         * page cache and writes of a thread that may wait) before the slot hands its next issue to the common pool:
         * else the thread that started the load would run the first slot for ever, and no other slot would start.
         */
        private static final int EARLY_LIMIT = 16;
        private static final int IDLE = 0;
        private static final int ISSUING = 1;
        private static final int COMPLETED_EARLY = 2;

        private final ByteBuffer buffer = newBuffer();
        private final AtomicInteger state = new AtomicInteger(IDLE);
        private int kind;
        private long start;
        private long writeStart; // of the write whose force is in flight, for a record's latency
        private boolean fsyncDue;
        private boolean retired;

        void next() {
            for (int early = 1; ; early++) {
                state.set(ISSUING);
                issueOne();
                if (state.compareAndSet(ISSUING, IDLE)) {
                    return; // the completion will call next()
                }
                // COMPLETED_EARLY: the completion left the reissue to this frame
                if (early == EARLY_LIMIT) {
                    ForkJoinPool.commonPool().execute(this::next); // let the thread go, the other slots run
                    return;
                }
            }
        }

        private void issueOne() {
            if (stopping) {
                retire();
                return;
            }
            try {
                if (fsyncDue) {
                    kind = FSYNC;
                    writeStart = start;
                    start = System.nanoTime();
                    file.force(spec.forceMetadata, this);
                    return;
                }
                long position = position(next.getAndIncrement(), null);
                if (position < 0) {
                    retire();
                    return;
                }
                kind = kind(null);
                buffer.clear();
                start = System.nanoTime();
                if (kind == READ) {
                    file.read(buffer, position, this);
                } else {
                    file.write(buffer, position, this);
                }
            } catch (Throwable e) {
                fail(e);
                retire();
            }
        }

        private void retire() {
            if (!retired) {
                retired = true;
                finished.countDown();
            }
        }

        @Override
        void done(int result, Throwable error) {
            long now = System.nanoTime();
            if (error != null) {
                fail(error);
                retire();
                state.set(IDLE);
                return;
            }
            if (kind == FSYNC) {
                fsyncDue = false;
                fsyncs.increment();
                if (spec.fsyncEvery == 1) {
                    record(writeStart, now);
                }
            } else {
                try {
                    checkTransfer(kind, result);
                } catch (IOException e) {
                    fail(e);
                    retire();
                    state.set(IDLE);
                    return;
                }
                fsyncDue = count(kind, result, start, now);
            }
            if (!state.compareAndSet(ISSUING, COMPLETED_EARLY)) {
                next();
            }
        }
    }
}
