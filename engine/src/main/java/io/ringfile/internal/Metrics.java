package io.ringfile.internal;

import io.ringfile.EngineMetrics;
import io.ringfile.EngineMetrics.Latency;
import io.ringfile.EngineMetrics.Operation;
import io.ringfile.EngineMetrics.OperationMetrics;
import io.ringfile.internal.uring.RingThreads;
import org.HdrHistogram.Histogram;
import org.HdrHistogram.Recorder;

import java.util.EnumMap;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.LongAdder;

/**
 * One engine's operation counts and latencies.
 *
 * <p>Threading: {@link #start} and {@link #end} are called on any thread, concurrently, and take no lock: counts are
 * {@link LongAdder}s and latencies go into HdrHistogram {@link Recorder}s (wait-free). Neither allocates once warm.
 * {@link #operations()} is for readers; it holds this object's lock, which only readers take, while it moves what the
 * recorders gathered since the last read into running totals.
 */
public final class Metrics {
    public static final int READ = Operation.READ.ordinal();
    public static final int WRITE = Operation.WRITE.ordinal();
    public static final int FORCE = Operation.FORCE.ordinal();
    public static final int OPEN = Operation.OPEN.ordinal();
    public static final int CLOSE = Operation.CLOSE.ordinal();
    public static final int STAT = Operation.STAT.ordinal();
    public static final int PATH = Operation.PATH.ordinal();

    /** Latencies above an hour are recorded as an hour. */
    private static final long MAX_NANOS = 3_600_000_000_000L;
    private static final int DIGITS = 2;

    private static final Operation[] KINDS = Operation.values();

    private final Kind[] kinds = new Kind[KINDS.length];
    /** The engine's name and backend, for events. */
    final String engine;
    final String backend;
    /** False when the builder turned counting off: only events (when a recording asks for them) are made. */
    final boolean counting;
    /** The engine's bound on operations under way, for ops to leave (null in tests). */
    volatile Admission admission;

    /** Counts for the engine named {@code engine} running {@code backend}; none when not {@code counting}. */
    public Metrics(String engine, String backend, boolean counting) {
        this.engine = engine;
        this.backend = backend;
        this.counting = counting;
        for (int i = 0; i < kinds.length; i++) {
            kinds[i] = new Kind();
        }
    }

    private static final class Kind {
        final LongAdder submitted = new LongAdder();
        final LongAdder completed = new LongAdder();
        final LongAdder failed = new LongAdder();
        final LongAdder cancelled = new LongAdder();
        final LongAdder bytes = new LongAdder();
        final Recorder latency = new Recorder(MAX_NANOS, DIGITS);
        // Reader state, under the Metrics lock
        final Histogram total = new Histogram(MAX_NANOS, DIGITS);
        Histogram interval;
    }

    /** Counts a request of {@code kind} made now; returns the time to hand to {@link #end}. */
    public long start(int kind) {
        kinds[kind].submitted.increment();
        return System.nanoTime();
    }

    /** The request of {@code kind} started at {@code started} succeeded; {@code bytes} for reads and writes. */
    public void completed(int kind, long started, long bytes) {
        Kind k = kinds[kind];
        k.completed.increment();
        if (bytes > 0) {
            k.bytes.add(bytes);
        }
        k.latency.recordValue(elapsed(started));
    }

    /** The request of {@code kind} started at {@code started} failed. */
    public void failed(int kind, long started) {
        Kind k = kinds[kind];
        k.failed.increment();
        k.latency.recordValue(elapsed(started));
    }

    /** The caller cancelled the future of the request before its outcome arrived. */
    public void cancelled(int kind, long started) {
        Kind k = kinds[kind];
        k.cancelled.increment();
        k.latency.recordValue(elapsed(started));
    }

    /** A request of {@code kind} made on the caller's thread at {@code started} and succeeded there. */
    public void completedHere(int kind, long started, long bytes) {
        if (counting) {
            kinds[kind].submitted.increment();
            completed(kind, started, bytes);
        }
    }

    /** A request of {@code kind} made on the caller's thread at {@code started} and failed there. */
    public void failedHere(int kind, long started) {
        if (counting) {
            kinds[kind].submitted.increment();
            failed(kind, started);
        }
    }

    /**
     * Ends {@code event} (from {@link Jfr#begin}; null: none) of a request not made through an {@link Op}, on
     * {@code path} (or null): as {@link Jfr#end}, with this engine's name and backend. The path's string is made
     * only for an event: without a JFR recording there is none, and no string per request.
     */
    void event(Object event, java.nio.file.Path path, long position, long bytes, String operation, Throwable error) {
        if (event != null) {
            Jfr.end(event, engine, backend, RingThreads.isCurrent() ? Thread.currentThread().getName() : "",
                    path == null ? null : path.toString(), position, bytes, operation, error, false);
        }
    }

    private static long elapsed(long started) {
        long nanos = System.nanoTime() - started;
        return nanos < 0 ? 0 : Math.min(nanos, MAX_NANOS);
    }

    /** Every kind's record so far. */
    public synchronized Map<Operation, OperationMetrics> operations() {
        Map<Operation, OperationMetrics> out = new EnumMap<>(Operation.class);
        for (int i = 0; i < kinds.length; i++) {
            Kind k = kinds[i];
            // Ends before starts: a request cannot show as ended without having been made.
            long cancelled = k.cancelled.sum();
            long failed = k.failed.sum();
            long completed = k.completed.sum();
            long bytes = k.bytes.sum();
            long submitted = k.submitted.sum();
            k.interval = k.latency.getIntervalHistogram(k.interval);
            k.total.add(k.interval);
            Histogram h = k.total;
            Latency latency = h.getTotalCount() == 0 ? Latency.NONE
                    : new Latency(h.getTotalCount(), h.getMean(), h.getValueAtPercentile(50), h.getValueAtPercentile(99),
                            h.getValueAtPercentile(99.9), h.getMaxValue());
            out.put(KINDS[i], new OperationMetrics(submitted, completed, failed, cancelled, bytes, latency));
        }
        return out;
    }

    /** The snapshot with these counts (empty when counting is off). */
    static EngineMetrics snapshot(Metrics metrics, String name, io.ringfile.FileEngine.Backend backend,
                                  java.util.Optional<String> reason, java.util.List<EngineMetrics.RingMetrics> rings,
                                  EngineMetrics.PoolMetrics pool, int underWay, long rejected) {
        return new EngineMetrics(name, backend, reason, metrics.counting ? metrics.operations() : Map.of(), rings,
                pool, underWay, rejected, metrics.counting);
    }
}
