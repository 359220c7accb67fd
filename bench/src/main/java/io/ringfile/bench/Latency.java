package io.ringfile.bench;

import org.HdrHistogram.Histogram;
import org.HdrHistogram.Recorder;

import java.util.Locale;

/**
 * Per-operation latency of one benchmark trial, in nanoseconds, recorded by the load's completion threads into an
 * HdrHistogram {@link Recorder} (see {@link Load} for why HdrHistogram). Each iteration's histogram is published in
 * {@link #lastIteration()} for {@link LatencyProfiler}; the measurement iterations are also summed for the trial.
 */
final class Latency {
    private static volatile Histogram lastIteration;

    /**
     * The largest latency kept (longer ones count as this): the range is fixed because an auto-resizing recorder
     * takes a lock to grow, and a virtual thread parked on that lock inside the recorder's critical section may
     * never run again while other virtual threads keep both carriers busy (seen with 1,024 virtual threads doing
     * cached reads: the iteration's histogram flip then waited forever).
     */
    static final long MAX_NANOS = java.util.concurrent.TimeUnit.MINUTES.toNanos(10);

    private final Recorder recorder = new Recorder(1, MAX_NANOS, 3);
    private final Histogram measured = new Histogram(1, MAX_NANOS, 3);
    private Histogram interval;

    Recorder recorder() {
        return recorder;
    }

    /** The histogram of the iteration that ended last in this JVM, or null. */
    static Histogram lastIteration() {
        return lastIteration;
    }

    void startIteration() {
        interval = recorder.getIntervalHistogram(interval); // discards what came before
        lastIteration = null;
    }

    void endIteration(boolean measurement) {
        interval = recorder.getIntervalHistogram(interval);
        Histogram copy = interval.copy();
        lastIteration = copy;
        if (measurement) {
            measured.add(copy);
        }
    }

    /** The measurement iterations so far. */
    Histogram measured() {
        return measured;
    }

    /** "p50 12.3 µs, p99 45.6 µs, p99.9 78.9 µs (n ops)" for {@code h}. */
    static String describe(Histogram h) {
        if (h.getTotalCount() == 0) {
            return "no operations recorded";
        }
        return String.format(Locale.ROOT, "p50 %s, p99 %s, p99.9 %s, max %s (%,d ops)",
                micros(h.getValueAtPercentile(50)), micros(h.getValueAtPercentile(99)),
                micros(h.getValueAtPercentile(99.9)), micros(h.getMaxValue()), h.getTotalCount());
    }

    static String micros(long nanos) {
        double us = nanos / 1000.0;
        if (us >= 1000) {
            return String.format(Locale.ROOT, "%.2f ms", us / 1000);
        }
        return String.format(Locale.ROOT, us >= 100 ? "%.0f µs" : "%.1f µs", us);
    }
}
