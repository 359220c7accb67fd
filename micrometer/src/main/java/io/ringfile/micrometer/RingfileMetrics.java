package io.ringfile.micrometer;

import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.FunctionTimer;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tag;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.TimeGauge;
import io.micrometer.core.instrument.binder.BaseUnits;
import io.micrometer.core.instrument.binder.MeterBinder;
import io.ringfile.EngineMetrics;
import io.ringfile.FileEngine;

import java.time.Duration;
import java.util.Locale;
import java.util.Objects;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.ToDoubleFunction;
import java.util.function.ToLongFunction;

/**
 * Publishes a Ringfile engine's {@linkplain FileEngine#metrics() metrics} to a Micrometer {@link MeterRegistry}:
 * operation counts by kind and outcome, bytes read and written, latencies, the io_uring rings' operations in flight
 * and waiting, and the NIO pool.
 *
 * <pre>{@code
 * FileEngine engine = FileEngine.builder().name("uploads").build();
 * new RingfileMetrics(engine).bindTo(registry);
 * // or with tags of your own on every meter:
 * new RingfileMetrics(engine, Tags.of("service", "media")).bindTo(registry);
 * }</pre>
 *
 * <h2>Meters</h2>
 *
 * <p>Every meter carries the tags {@code engine} (the engine's {@linkplain FileEngine#name() name}) and
 * {@code backend} ({@code io_uring} or {@code nio}, the backend actually running), and the tags given to the
 * constructor. Tag {@code op} is the kind of operation, as {@link EngineMetrics.Operation} in lower case:
 * {@code read}, {@code write}, {@code force}, {@code open}, {@code close}, {@code stat} or {@code path} (see there
 * what each counts: one per request to the backend, so a {@code readFully} that takes three reads counts three).
 * Times are in seconds, Micrometer's base unit, whatever unit a registry then exports them in.
 *
 * <table class="striped">
 * <caption>Meters bound by {@code RingfileMetrics}</caption>
 * <thead>
 * <tr><th scope="col">Name</th><th scope="col">Type</th><th scope="col">Tags (beside the common ones)</th>
 *     <th scope="col">Unit</th><th scope="col">What</th></tr>
 * </thead>
 * <tbody>
 * <tr><td>{@code ringfile.operations}</td><td>function counter</td>
 *     <td>{@code op}, {@code outcome} = {@code completed}, {@code failed} or {@code cancelled}</td><td>-</td>
 *     <td>operations ended, by outcome</td></tr>
 * <tr><td>{@code ringfile.operations.started}</td><td>function counter</td><td>{@code op}</td><td>-</td>
 *     <td>operations requested; those started and not yet in {@code ringfile.operations} are under way</td></tr>
 * <tr><td>{@code ringfile.bytes}</td><td>function counter</td><td>{@code direction} = {@code read} or
 *     {@code write}</td><td>bytes</td><td>bytes read and written by completed reads and writes</td></tr>
 * <tr><td>{@code ringfile.operation.duration}</td><td>function timer</td><td>{@code op}</td><td>seconds</td>
 *     <td>count and total time of the operations ended (completed, failed or cancelled)</td></tr>
 * <tr><td>{@code ringfile.operation.duration.percentile}</td><td>time gauge</td><td>{@code op}, {@code phi} =
 *     {@code 0.5}, {@code 0.99} or {@code 0.999}</td><td>seconds</td><td>latency percentiles</td></tr>
 * <tr><td>{@code ringfile.operation.duration.max}</td><td>time gauge</td><td>{@code op}</td><td>seconds</td>
 *     <td>the longest latency</td></tr>
 * <tr><td>{@code ringfile.inflight}</td><td>gauge</td><td>{@code ring} = 0, 1, ...</td><td>operations</td>
 *     <td>operations the ring has handed to the kernel and not yet seen complete</td></tr>
 * <tr><td>{@code ringfile.backlog}</td><td>gauge</td><td>{@code ring}</td><td>operations</td>
 *     <td>operations waiting to be submitted to the ring: for its thread, or for a free slot</td></tr>
 * <tr><td>{@code ringfile.slot.waits}</td><td>function counter</td><td>{@code ring}</td><td>-</td>
 *     <td>operations that have had to wait for a free slot in the ring</td></tr>
 * <tr><td>{@code ringfile.pool.queued}</td><td>gauge</td><td>-</td><td>tasks</td>
 *     <td>tasks waiting for a thread of the NIO pool</td></tr>
 * <tr><td>{@code ringfile.pool.active}</td><td>gauge</td><td>-</td><td>threads</td>
 *     <td>threads of the NIO pool running a task</td></tr>
 * <tr><td>{@code ringfile.pool.threads}</td><td>gauge</td><td>-</td><td>threads</td>
 *     <td>threads of the NIO pool alive</td></tr>
 * <tr><td>{@code ringfile.underway}</td><td>gauge</td><td>-</td><td>operations</td>
 *     <td>operations admitted and not yet ended (in flight or waiting)</td></tr>
 * <tr><td>{@code ringfile.rejected}</td><td>function counter</td><td>-</td><td>-</td>
 *     <td>calls refused at the engine's limits</td></tr>
 * </tbody>
 * </table>
 *
 * <p>The ring meters exist only on io_uring, one set per ring: sum over {@code ring} for the engine's total (there
 * is no untagged total, since registries such as Prometheus want every meter of a name to have the same tag keys).
 * On NIO, and beside io_uring for what it has no opcode for, the pool meters show the load. Meters of one name
 * always have the same tag keys.
 *
 * <p>Latency percentiles and the maximum are those of all the engine's operations of the kind since it started
 * (they come from the engine's cumulative histograms, with two significant digits), not of a recent window as a
 * Micrometer {@code Timer}'s are; for the recent mean, take the rate of {@code ringfile.operation.duration}'s total
 * time over the rate of its count. Counts are cumulative since the engine started, so the counters never go down.
 *
 * <h2>Engines built with metrics off</h2>
 *
 * <p>An engine built with {@link FileEngine.Builder#metrics(boolean) metrics(false)} counts no operation, so only
 * what it still reports is bound: the ring meters and the pool gauges. The operation, byte and duration meters are
 * left out rather than bound at a constant zero, which would pass for an idle engine.
 *
 * <h2>Snapshots</h2>
 *
 * <p>All meters read one snapshot of {@link FileEngine#metrics()}, reused while it is younger than the
 * {@linkplain #DEFAULT_SNAPSHOT_MAX_AGE maximum age} (100 ms unless given): a registry reads all its meters within
 * a few milliseconds, so one scrape costs the engine one snapshot, and each scrape sees fresh counts. The first
 * reader to find the snapshot too old takes the next one, without holding a lock; readers that come meanwhile get
 * the previous snapshot instead of waiting, so snapshots replace each other in order and no counter goes back.
 * The constructor takes the first snapshot.
 *
 * <h2>References and lifetime</h2>
 *
 * <p>The meters hold the engine strongly (through their functions; Micrometer would hold a meter's state object
 * only weakly): they keep reading after this object is dropped, and after the engine is
 * {@linkplain FileEngine#close() closed} they report its final counts (and the gauges what remains, normally zero). A registry thus keeps a closed engine's records reachable
 * until its meters are removed, for example with
 * {@code registry.getMeters().stream().filter(m -> name.equals(m.getId().getTag("engine"))).forEach(registry::remove)}.
 * Give engines that share a registry distinct {@linkplain FileEngine.Builder#name(String) names}: meters with the
 * same name and tags are one meter, so a second engine of the same name would get none of its own (Micrometer keeps
 * the first engine's meters and logs a warning).
 *
 * <p>The common tags {@code engine} and {@code backend} take precedence over constructor tags with those keys, as
 * in Micrometer's binders; rename the engine instead. {@link #bindTo} may be called for several registries; binding
 * the same engine to one registry again adds no meter (and Micrometer warns of the duplicate registration).
 */
public final class RingfileMetrics implements MeterBinder {
    /** How long one snapshot of the engine's metrics serves all meters unless the constructor says otherwise. */
    public static final Duration DEFAULT_SNAPSHOT_MAX_AGE = Duration.ofMillis(100);

    /** Phi tag values of the percentile gauges, and the latency field each reads. */
    private static final String[] PHIS = {"0.5", "0.99", "0.999"};
    private static final java.util.List<ToLongFunction<EngineMetrics.Latency>> PERCENTILES = java.util.List.of(
            EngineMetrics.Latency::p50Nanos, EngineMetrics.Latency::p99Nanos, EngineMetrics.Latency::p999Nanos);

    private final Tags tags;
    private final Snapshots snapshots;

    /**
     * Meters for {@code engine}, tagged with its name and backend.
     *
     * @param engine the engine
     * @throws NullPointerException if {@code engine} is null
     */
    public RingfileMetrics(FileEngine engine) {
        this(engine, Tags.empty());
    }

    /**
     * Meters for {@code engine}, tagged with its name, its backend and {@code tags}.
     *
     * @param engine the engine
     * @param tags further tags for every meter
     * @throws NullPointerException if an argument is null
     */
    public RingfileMetrics(FileEngine engine, Iterable<Tag> tags) {
        this(engine, tags, DEFAULT_SNAPSHOT_MAX_AGE);
    }

    /**
     * Meters for {@code engine}, tagged with its name, its backend and {@code tags}, reading snapshots of the
     * engine's metrics up to {@code snapshotMaxAge} old.
     *
     * @param engine the engine
     * @param tags further tags for every meter
     * @param snapshotMaxAge how long one snapshot serves the meters; {@link Duration#ZERO} takes a new one for every
     *     reading (except by readers that come while another takes one)
     * @throws NullPointerException if an argument is null
     * @throws IllegalArgumentException if {@code snapshotMaxAge} is negative
     */
    public RingfileMetrics(FileEngine engine, Iterable<Tag> tags, Duration snapshotMaxAge) {
        Objects.requireNonNull(engine, "engine");
        Objects.requireNonNull(tags, "tags");
        Objects.requireNonNull(snapshotMaxAge, "snapshotMaxAge");
        if (snapshotMaxAge.isNegative()) {
            throw new IllegalArgumentException("negative snapshot age: " + snapshotMaxAge);
        }
        this.tags = Tags.of(tags).and("engine", engine.name(), "backend", lowerCase(engine.backend()));
        this.snapshots = new Snapshots(engine, saturatedNanos(snapshotMaxAge));
    }

    /**
     * Registers the meters listed in the class description in {@code registry}.
     *
     * @param registry the registry
     */
    @Override
    public void bindTo(MeterRegistry registry) {
        Objects.requireNonNull(registry, "registry");
        EngineMetrics now = snapshots.get();
        if (now.enabled()) {
            for (EngineMetrics.Operation kind : EngineMetrics.Operation.values()) {
                bindOperation(registry, kind);
            }
            bindBytes(registry, "read", EngineMetrics.Operation.READ);
            bindBytes(registry, "write", EngineMetrics.Operation.WRITE);
        }
        for (EngineMetrics.RingMetrics ring : now.rings()) {
            bindRing(registry, ring.index());
        }
        Gauge.builder("ringfile.pool.queued", snapshots, reading(m -> m.pool().queued()))
                .tags(tags).baseUnit(BaseUnits.TASKS)
                .description("Tasks waiting for a thread of the engine's NIO pool").register(registry);
        Gauge.builder("ringfile.pool.active", snapshots, reading(m -> m.pool().active()))
                .tags(tags).baseUnit(BaseUnits.THREADS)
                .description("Threads of the engine's NIO pool running a task").register(registry);
        Gauge.builder("ringfile.pool.threads", snapshots, reading(m -> m.pool().threads()))
                .tags(tags).baseUnit(BaseUnits.THREADS)
                .description("Threads of the engine's NIO pool alive").register(registry);
        Gauge.builder("ringfile.underway", snapshots, reading(EngineMetrics::underWay))
                .tags(tags).baseUnit(BaseUnits.OPERATIONS)
                .description("Operations admitted and not yet ended, in flight or waiting, within the engine's"
                        + " maxInFlight + maxQueued").register(registry);
        FunctionCounter.builder("ringfile.rejected", snapshots, reading(EngineMetrics::rejected))
                .tags(tags)
                .description("Calls refused at the engine's limits (EngineOverloadedException)").register(registry);
    }

    private void bindOperation(MeterRegistry registry, EngineMetrics.Operation kind) {
        Tags op = tags.and("op", lowerCase(kind));
        FunctionCounter.builder("ringfile.operations", snapshots, reading(m -> m.operation(kind).completed()))
                .tags(op).tag("outcome", "completed")
                .description("Operations ended, by kind and outcome: completed").register(registry);
        FunctionCounter.builder("ringfile.operations", snapshots, reading(m -> m.operation(kind).failed()))
                .tags(op).tag("outcome", "failed")
                .description("Operations ended, by kind and outcome: failed (a shutdown's failures included)")
                .register(registry);
        FunctionCounter.builder("ringfile.operations", snapshots, reading(m -> m.operation(kind).cancelled()))
                .tags(op).tag("outcome", "cancelled")
                .description("Operations ended, by kind and outcome: cancelled by the caller before the outcome came")
                .register(registry);
        FunctionCounter.builder("ringfile.operations.started", snapshots,
                        reading(m -> m.operation(kind).submitted()))
                .tags(op)
                .description("Operations requested of the backend, by kind; started less ended are under way")
                .register(registry);

        Snapshots source = snapshots;
        FunctionTimer.builder("ringfile.operation.duration", snapshots,
                        ignored -> source.get().operation(kind).latency().count(),
                        ignored -> totalNanos(source.get().operation(kind).latency()), TimeUnit.NANOSECONDS)
                .tags(op)
                .description("Latency of the operations ended, by kind, from the request to its outcome")
                .register(registry);
        for (int i = 0; i < PHIS.length; i++) {
            ToLongFunction<EngineMetrics.Latency> percentile = PERCENTILES.get(i);
            TimeGauge.builder("ringfile.operation.duration.percentile", snapshots, TimeUnit.NANOSECONDS,
                            reading(m -> percentile.applyAsLong(m.operation(kind).latency())))
                    .tags(op).tag("phi", PHIS[i])
                    .description("Latency percentile of the operations ended, by kind, since the engine started")
                    .register(registry);
        }
        TimeGauge.builder("ringfile.operation.duration.max", snapshots, TimeUnit.NANOSECONDS,
                        reading(m -> m.operation(kind).latency().maxNanos()))
                .tags(op)
                .description("Longest latency of the operations ended, by kind, since the engine started")
                .register(registry);
    }

    private void bindBytes(MeterRegistry registry, String direction, EngineMetrics.Operation kind) {
        FunctionCounter.builder("ringfile.bytes", snapshots, reading(m -> m.operation(kind).bytes()))
                .tags(tags).tag("direction", direction).baseUnit(BaseUnits.BYTES)
                .description("Bytes transferred by completed reads and writes").register(registry);
    }

    private void bindRing(MeterRegistry registry, int index) {
        String ring = Integer.toString(index);
        Gauge.builder("ringfile.inflight", snapshots, reading(m -> ring(m, index, EngineMetrics.RingMetrics::inFlight)))
                .tags(tags).tag("ring", ring).baseUnit(BaseUnits.OPERATIONS)
                .description("Operations an io_uring ring has handed to the kernel and not yet seen complete")
                .register(registry);
        Gauge.builder("ringfile.backlog", snapshots, reading(m -> ring(m, index, EngineMetrics.RingMetrics::waiting)))
                .tags(tags).tag("ring", ring).baseUnit(BaseUnits.OPERATIONS)
                .description("Operations waiting to be submitted to an io_uring ring: for its thread or a free slot")
                .register(registry);
        FunctionCounter.builder("ringfile.slot.waits", snapshots,
                        reading(m -> ring(m, index, EngineMetrics.RingMetrics::waitedForSlot)))
                .tags(tags).tag("ring", ring)
                .description("Operations that have had to wait for a free slot in an io_uring ring")
                .register(registry);
    }

    /**
     * A meter's function. Micrometer holds a meter's state object weakly but its function strongly: the function
     * keeps the snapshots, and so the engine, reachable for as long as the meter is registered, whether or not
     * anyone still holds this binder.
     */
    private ToDoubleFunction<Snapshots> reading(ToDoubleFunction<EngineMetrics> value) {
        Snapshots source = snapshots;
        return ignored -> value.applyAsDouble(source.get());
    }

    /** The ring's value, or NaN if the snapshot has no ring of that index. */
    private static double ring(EngineMetrics metrics, int index, ToDoubleFunction<EngineMetrics.RingMetrics> value) {
        for (EngineMetrics.RingMetrics ring : metrics.rings()) {
            if (ring.index() == index) {
                return value.applyAsDouble(ring);
            }
        }
        return Double.NaN;
    }

    private static double totalNanos(EngineMetrics.Latency latency) {
        return latency.meanNanos() * latency.count();
    }

    private static String lowerCase(Enum<?> value) {
        return value.name().toLowerCase(Locale.ROOT);
    }

    private static long saturatedNanos(Duration duration) {
        try {
            return duration.toNanos();
        } catch (ArithmeticException e) {
            return Long.MAX_VALUE;
        }
    }

    /** A snapshot and the {@link System#nanoTime()} just before it was taken. */
    private record Taken(EngineMetrics metrics, long nanos) {
    }

    /**
     * The engine's latest snapshot, renewed by one reader at a time once older than the maximum age. The engine
     * computes a snapshot without any lock of this class: a flag, not a lock, picks the reader that renews, and the
     * others read the previous snapshot meanwhile.
     */
    private static final class Snapshots {
        private final FileEngine engine;
        private final long maxAgeNanos;
        private final AtomicBoolean renewing = new AtomicBoolean();
        private volatile Taken latest;

        Snapshots(FileEngine engine, long maxAgeNanos) {
            this.engine = engine;
            this.maxAgeNanos = maxAgeNanos;
            this.latest = take();
        }

        EngineMetrics get() {
            Taken taken = latest;
            if (young(taken) || !renewing.compareAndSet(false, true)) {
                return taken.metrics();
            }
            try {
                taken = latest; // another reader may have renewed it between the check and the flag
                if (!young(taken)) {
                    taken = take();
                    latest = taken;
                }
                return taken.metrics();
            } finally {
                renewing.set(false);
            }
        }

        private boolean young(Taken taken) {
            return System.nanoTime() - taken.nanos() < maxAgeNanos;
        }

        private Taken take() {
            long nanos = System.nanoTime();
            return new Taken(engine.metrics(), nanos);
        }
    }
}
