package io.ringfile;

import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * What an engine has done since it started, and what it holds now: one immutable snapshot, taken by
 * {@link FileEngine#metrics()}. Counts only grow; gauges (in flight, waiting, pool threads) are read without
 * stopping the engine, so they are each exact at some instant during the call but not necessarily all at the same one.
 *
 * <p>What counts as an operation: each request the engine makes of its backend, one per system call or io_uring
 * submission as the backend sees it. A {@link AsyncFile#readFully} that takes three reads counts three reads;
 * {@link FileEngine#readAllBytes} counts an open, a stat where it needs the size, its reads and a close. A read
 * served on the caller's thread (a cache hit, or a blocking channel's read on a platform thread) counts as a read
 * too. Each operation ends exactly once, as completed, failed or cancelled, so {@code submitted - completed - failed -
 * cancelled} are under way. Latency runs from the request to its outcome on the backend's thread (the hop to the
 * completion executor is not included).
 *
 * @param name the engine's {@linkplain FileEngine.Builder#name(String) name}
 * @param backend the backend the engine runs
 * @param fallbackReason why it is not io_uring (or not on the shared loops), as {@link FileEngine#fallbackReason()}
 * @param operations per kind of operation, every kind present
 * @param rings the io_uring rings, in order; empty on the NIO backend
 * @param pool the NIO pool, which runs the NIO backend and, beside io_uring, what io_uring has no opcode for
 * @param underWay operations admitted and not yet ended, in flight or waiting, within
 *     {@link FileEngine.Builder#maxInFlight(int) maxInFlight} + {@link FileEngine.Builder#maxQueued(int) maxQueued}
 *     (counted with metrics on or off; operations served on the caller's thread and closes are not admitted)
 * @param rejected calls refused with {@link EngineOverloadedException} since the engine started (each also counts
 *     as a failed operation of its kind)
 * @param enabled false when the engine was built with {@link FileEngine.Builder#metrics(boolean) metrics(false)}:
 *     operation counts and latencies are then zero, gauges are still read
 */
public record EngineMetrics(String name, FileEngine.Backend backend, Optional<String> fallbackReason,
                            Map<Operation, OperationMetrics> operations, List<RingMetrics> rings, PoolMetrics pool,
                            int underWay, long rejected, boolean enabled) {

    /** Kinds of operations, as counted by {@link EngineMetrics}. */
    public enum Operation {
        /** Reads into a buffer, whole-file reads' reads included. */
        READ,
        /** Writes from a buffer. */
        WRITE,
        /** {@code fsync}/{@code fdatasync}: {@link AsyncFile#force}, durable writes. */
        FORCE,
        /** Opening a file. */
        OPEN,
        /** Closing a file. */
        CLOSE,
        /** Asking a file's size or attributes, by descriptor or by path. */
        STAT,
        /** Every other operation on paths and files: delete, move, copy, directories, links, truncate, locks. */
        PATH
    }

    /**
     * The record of one kind of operation.
     *
     * @param submitted requests made
     * @param completed requests that succeeded
     * @param failed requests that failed (including those failed by a shutdown)
     * @param cancelled requests whose future the caller cancelled before the outcome arrived
     * @param bytes bytes read (for {@link Operation#READ}) or written ({@link Operation#WRITE}); 0 for other kinds
     * @param latency how long the finished ones took
     */
    public record OperationMetrics(long submitted, long completed, long failed, long cancelled, long bytes,
                                   Latency latency) {
        /**
         * Requests made and not yet ended; from counts read one after another, so briefly off by a few.
         *
         * @return submitted less those that ended, at least 0
         */
        public long underWay() {
            return Math.max(0, submitted - completed - failed - cancelled);
        }
    }

    /**
     * Latency percentiles in nanoseconds, with two significant digits (a value is within 1% of the one measured).
     *
     * @param count operations measured
     * @param meanNanos the mean (with {@code count}, the total time, as a Micrometer {@code FunctionTimer} wants it)
     * @param p50Nanos the median
     * @param p99Nanos the 99th percentile
     * @param p999Nanos the 99.9th percentile
     * @param maxNanos the largest
     */
    public record Latency(long count, double meanNanos, long p50Nanos, long p99Nanos, long p999Nanos, long maxNanos) {
        /** No operation measured. */
        public static final Latency NONE = new Latency(0, 0, 0, 0, 0, 0);
    }

    /**
     * One io_uring ring.
     *
     * @param index the ring's number in the engine
     * @param inFlight operations handed to the kernel and not yet completed
     * @param waiting operations waiting to be submitted: for the ring's thread to take them, or for a free slot
     *     (a ring keeps at most half its completion queue in flight, so the queue never overflows)
     * @param waitedForSlot how many operations have had to wait for a free slot since the engine started
     */
    public record RingMetrics(int index, int inFlight, int waiting, long waitedForSlot) {
    }

    /**
     * The NIO pool.
     *
     * @param queued tasks waiting for a thread
     * @param active threads running a task
     * @param threads threads alive
     */
    public record PoolMetrics(int queued, int active, int threads) {
    }

    /**
     * A snapshot; see the record's description.
     *
     * @param name the engine's name
     * @param backend the backend the engine runs
     * @param fallbackReason why it is not io_uring, or empty
     * @param operations per kind of operation; kinds missing are filled with zeros
     * @param rings the io_uring rings, in order
     * @param pool the NIO pool
     * @param underWay operations admitted and not yet ended
     * @param rejected calls refused at the engine's limits
     * @param enabled whether operations were counted
     * @throws NullPointerException if an argument is null
     */
    public EngineMetrics {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(backend, "backend");
        Objects.requireNonNull(fallbackReason, "fallbackReason");
        Objects.requireNonNull(pool, "pool");
        EnumMap<Operation, OperationMetrics> copy = new EnumMap<>(Operation.class);
        copy.putAll(operations);
        for (Operation kind : Operation.values()) {
            copy.putIfAbsent(kind, new OperationMetrics(0, 0, 0, 0, 0, Latency.NONE));
        }
        operations = java.util.Collections.unmodifiableMap(copy);
        rings = List.copyOf(rings);
    }

    /**
     * The record of one kind of operation.
     *
     * @param kind the kind
     * @return its record (zero if none ran)
     */
    public OperationMetrics operation(Operation kind) {
        return operations.get(Objects.requireNonNull(kind, "kind"));
    }

    /**
     * Operations in flight in the kernel on all rings.
     *
     * @return the sum of the rings' {@link RingMetrics#inFlight()}
     */
    public int inFlight() {
        int sum = 0;
        for (RingMetrics ring : rings) {
            sum += ring.inFlight();
        }
        return sum;
    }

    /**
     * Operations waiting to be submitted on all rings.
     *
     * @return the sum of the rings' {@link RingMetrics#waiting()}
     */
    public int waiting() {
        int sum = 0;
        for (RingMetrics ring : rings) {
            sum += ring.waiting();
        }
        return sum;
    }

    /**
     * A readable summary: the engine, its backend, then a line per kind of operation that ran, with its counts, bytes
     * and latency percentiles in microseconds.
     */
    @Override
    public String toString() {
        StringBuilder out = new StringBuilder();
        out.append("Ringfile engine '").append(name).append("' on ").append(backend);
        fallbackReason.ifPresent(reason -> out.append(" (").append(reason).append(')'));
        if (!rings.isEmpty()) {
            out.append(", ").append(rings.size()).append(rings.size() == 1 ? " ring" : " rings").append(": ")
                    .append(inFlight()).append(" in flight, ").append(waiting()).append(" waiting");
        }
        out.append("; pool: ").append(pool.active()).append(" active of ").append(pool.threads())
                .append(" threads, ").append(pool.queued()).append(" queued; ").append(underWay).append(" under way, ")
                .append(rejected).append(" rejected");
        if (!enabled) {
            return out.append("; operation metrics off").toString();
        }
        for (Map.Entry<Operation, OperationMetrics> entry : operations.entrySet()) {
            OperationMetrics m = entry.getValue();
            if (m.submitted() == 0) {
                continue;
            }
            out.append(String.format("%n  %-5s %,d submitted, %,d completed, %,d failed, %,d cancelled",
                    entry.getKey().name().toLowerCase(java.util.Locale.ROOT), m.submitted(), m.completed(),
                    m.failed(), m.cancelled()));
            if (m.bytes() > 0) {
                out.append(String.format(", %,d bytes", m.bytes()));
            }
            Latency l = m.latency();
            if (l.count() > 0) {
                out.append(String.format(java.util.Locale.ROOT, "; us p50 %.1f p99 %.1f p99.9 %.1f max %.1f",
                        l.p50Nanos() / 1e3, l.p99Nanos() / 1e3, l.p999Nanos() / 1e3, l.maxNanos() / 1e3));
            }
        }
        return out.toString();
    }
}
