package io.ringfile.micrometer;

import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.FunctionTimer;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tag;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.TimeGauge;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.ringfile.AsyncFile;
import io.ringfile.EngineMetrics;
import io.ringfile.FileEngine;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.lang.ref.WeakReference;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

import static io.ringfile.micrometer.EngineSupport.await;
import static java.nio.file.StandardOpenOption.CREATE_NEW;
import static java.nio.file.StandardOpenOption.WRITE;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@link RingfileMetrics} on real engines of both backends, doing real file operations, read through a
 * {@link SimpleMeterRegistry}: every meter must read what {@link FileEngine#metrics()} reports.
 */
class RingfileMetricsTest {
    private static final EngineMetrics.Operation[] KINDS = EngineMetrics.Operation.values();
    private static final String[] OUTCOMES = {"completed", "failed", "cancelled"};
    /** Meters per kind of operation: 3 outcome counters, started, timer, 3 percentiles, max. */
    private static final int METERS_PER_KIND = 9;
    private static final int POOL_METERS = 5; // the pool's three, under way, rejected
    private static final int METERS_PER_RING = 3;

    @TempDir
    Path dir;

    private final List<FileEngine> engines = new ArrayList<>();

    @AfterEach
    void closeEngines() {
        engines.forEach(FileEngine::close);
    }

    private FileEngine engine(FileEngine.Builder builder, FileEngine.Backend backend) {
        FileEngine engine = EngineSupport.build(builder, backend);
        engines.add(engine);
        return engine;
    }

    @ParameterizedTest
    @EnumSource(names = {"IO_URING", "NIO"})
    void everyMeterReadsTheEngineSnapshot(FileEngine.Backend backend) throws Exception {
        FileEngine engine = engine(FileEngine.builder().name("counted"), backend);
        EngineSupport.oneOfEach(engine, dir);
        EngineSupport.settled(engine);

        // A snapshot that lives for the whole test: every meter reads the one the proxy saw the binder take.
        EngineSupport.Observed observed = new EngineSupport.Observed(engine);
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        new RingfileMetrics(observed.proxy, Tags.of("app", "test"), Duration.ofHours(1)).bindTo(registry);
        assertEquals(1, observed.metricsCalls(), "the binder takes one snapshot");
        EngineMetrics m = observed.last();
        assertTrue(m.enabled());
        assertEquals(backend, m.backend());

        // Exact counts, as the engine counts them for these operations.
        assertOperations(registry, "open", 2, 1, 1);
        assertOperations(registry, "write", 1, 1, 0);
        assertOperations(registry, "force", 1, 1, 0);
        assertOperations(registry, "read", 1, 1, 0);
        assertOperations(registry, "stat", 1, 1, 0);
        assertOperations(registry, "close", 1, 1, 0);
        assertOperations(registry, "path", 1, 1, 0);
        assertEquals(10_000, counter(registry, "ringfile.bytes", "direction", "write"));
        assertEquals(4096, counter(registry, "ringfile.bytes", "direction", "read"));

        // Every meter against the snapshot.
        for (EngineMetrics.Operation kind : KINDS) {
            String op = kind.name().toLowerCase(Locale.ROOT);
            EngineMetrics.OperationMetrics expected = m.operation(kind);
            assertEquals(expected.completed(), counter(registry, "ringfile.operations", "op", op, "outcome",
                    "completed"), op);
            assertEquals(expected.failed(), counter(registry, "ringfile.operations", "op", op, "outcome", "failed"),
                    op);
            assertEquals(expected.cancelled(), counter(registry, "ringfile.operations", "op", op, "outcome",
                    "cancelled"), op);
            assertEquals(expected.submitted(), counter(registry, "ringfile.operations.started", "op", op), op);

            EngineMetrics.Latency latency = expected.latency();
            assertTrue(latency.count() > 0, op + " ran, so it was timed: " + m);
            FunctionTimer timer = registry.get("ringfile.operation.duration").tags("op", op).functionTimer();
            assertEquals(latency.count(), timer.count(), op);
            assertEquals(latency.meanNanos() * latency.count(), timer.totalTime(TimeUnit.NANOSECONDS),
                    1e-6 * latency.meanNanos() * latency.count(), op);
            assertEquals(latency.meanNanos(), timer.mean(TimeUnit.NANOSECONDS), 1e-6 * latency.meanNanos(), op);

            double p50 = percentile(registry, op, "0.5");
            double p99 = percentile(registry, op, "0.99");
            double p999 = percentile(registry, op, "0.999");
            double max = registry.get("ringfile.operation.duration.max").tags("op", op).timeGauge()
                    .value(TimeUnit.NANOSECONDS);
            assertNanos(latency.p50Nanos(), p50, op + " p50");
            assertNanos(latency.p99Nanos(), p99, op + " p99");
            assertNanos(latency.p999Nanos(), p999, op + " p99.9");
            assertNanos(latency.maxNanos(), max, op + " max");
            assertTrue(p50 > 0 && p50 <= p99 && p99 <= p999 && p999 <= max,
                    op + ": percentiles positive and in order: " + p50 + " " + p99 + " " + p999 + " " + max);
            // The registry's base unit is seconds: the time gauge's value is in seconds.
            assertEquals(latency.p50Nanos() / 1e9, registry.get("ringfile.operation.duration.percentile")
                    .tags("op", op, "phi", "0.5").timeGauge().value(), 1e-12, op);
        }

        assertEquals(backend == FileEngine.Backend.IO_URING, !m.rings().isEmpty(), m.toString());
        for (EngineMetrics.RingMetrics ring : m.rings()) {
            String index = Integer.toString(ring.index());
            assertEquals(ring.inFlight(), gauge(registry, "ringfile.inflight", "ring", index));
            assertEquals(ring.waiting(), gauge(registry, "ringfile.backlog", "ring", index));
            assertEquals(ring.waitedForSlot(), counter(registry, "ringfile.slot.waits", "ring", index));
            assertEquals(0, ring.inFlight(), "nothing is left in flight: " + m);
        }
        assertEquals(m.pool().queued(), gauge(registry, "ringfile.pool.queued"));
        assertEquals(m.pool().active(), gauge(registry, "ringfile.pool.active"));
        assertEquals(m.pool().threads(), gauge(registry, "ringfile.pool.threads"));
        assertEquals(m.underWay(), gauge(registry, "ringfile.underway"));
        assertEquals(m.rejected(), counter(registry, "ringfile.rejected"));

        // Tags, names, units and descriptions of all meters; and only the one snapshot was read.
        String backendTag = backend == FileEngine.Backend.IO_URING ? "io_uring" : "nio";
        assertEquals(KINDS.length * METERS_PER_KIND + 2 + POOL_METERS + METERS_PER_RING * m.rings().size(),
                registry.getMeters().size(), names(registry).toString());
        for (Meter meter : registry.getMeters()) {
            Meter.Id id = meter.getId();
            assertEquals("counted", id.getTag("engine"), id.toString());
            assertEquals(backendTag, id.getTag("backend"), id.toString());
            assertEquals("test", id.getTag("app"), id.toString());
            assertTrue(id.getName().startsWith("ringfile."), id.toString());
            assertNotNull(id.getDescription(), id.toString());
            assertFalse(id.getDescription().isBlank(), id.toString());
        }
        assertConventions(registry);
        assertEquals(1, observed.metricsCalls(), "every meter read the snapshot the binder took");
    }

    private static void assertOperations(MeterRegistry registry, String op, long started, long completed,
                                         long failed) {
        assertEquals(started, counter(registry, "ringfile.operations.started", "op", op), op + " started");
        assertEquals(completed, counter(registry, "ringfile.operations", "op", op, "outcome", "completed"),
                op + " completed");
        assertEquals(failed, counter(registry, "ringfile.operations", "op", op, "outcome", "failed"),
                op + " failed");
        assertEquals(0, counter(registry, "ringfile.operations", "op", op, "outcome", "cancelled"),
                op + " cancelled");
        assertEquals(completed + failed, registry.get("ringfile.operation.duration").tags("op", op)
                .functionTimer().count(), op + ": every ended operation is timed");
    }

    /** Units as Micrometer wants them, and the same tag keys for all meters of one name (as Prometheus needs). */
    private static void assertConventions(MeterRegistry registry) {
        Map<String, Set<String>> keysByName = new HashMap<>();
        for (Meter meter : registry.getMeters()) {
            Meter.Id id = meter.getId();
            Set<String> keys = new TreeSet<>();
            id.getTags().forEach(tag -> keys.add(tag.getKey()));
            Set<String> first = keysByName.putIfAbsent(id.getName(), keys);
            if (first != null) {
                assertEquals(first, keys, "tag keys of " + id.getName());
            }
            if (meter instanceof FunctionTimer || meter instanceof TimeGauge) {
                assertEquals("seconds", id.getBaseUnit(), id.toString());
            }
        }
        for (Meter bytes : registry.find("ringfile.bytes").meters()) {
            assertEquals("bytes", bytes.getId().getBaseUnit());
        }
        assertEquals("threads", registry.get("ringfile.pool.threads").gauge().getId().getBaseUnit());
    }

    @ParameterizedTest
    @EnumSource(names = {"IO_URING", "NIO"})
    void aClosedEngineKeepsItsFinalCounts(FileEngine.Backend backend) throws Exception {
        FileEngine engine = engine(FileEngine.builder().name("closing"), backend);
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        new RingfileMetrics(engine, Tags.empty(), Duration.ZERO).bindTo(registry);
        EngineSupport.oneOfEach(engine, dir);
        EngineSupport.settled(engine);
        assertEquals(1, counter(registry, "ringfile.operations", "op", "write", "outcome", "completed"));
        assertEquals(1, counter(registry, "ringfile.operations", "op", "path", "outcome", "completed"));
        engine.close();

        EngineMetrics after = engine.metrics();
        assertEquals(1, counter(registry, "ringfile.operations", "op", "write", "outcome", "completed"));
        assertEquals(1, counter(registry, "ringfile.operations", "op", "open", "outcome", "failed"));
        assertEquals(10_000, counter(registry, "ringfile.bytes", "direction", "write"));
        assertEquals(after.operation(EngineMetrics.Operation.CLOSE).completed(),
                counter(registry, "ringfile.operations", "op", "close", "outcome", "completed"));
        assertEquals(after.operation(EngineMetrics.Operation.READ).latency().count(),
                registry.get("ringfile.operation.duration").tags("op", "read").functionTimer().count());
        for (Gauge inFlight : registry.find("ringfile.inflight").gauges()) {
            assertEquals(0, inFlight.value(), inFlight.getId().toString());
        }
        assertEquals(after.pool().queued(), gauge(registry, "ringfile.pool.queued"));
    }

    @Test
    void twoEnginesInOneRegistryKeepTheirOwnMeters() throws Exception {
        FileEngine alpha = engine(FileEngine.builder().name("alpha"), FileEngine.Backend.NIO);
        FileEngine beta = engine(FileEngine.builder().name("beta"), FileEngine.Backend.NIO);
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        new RingfileMetrics(alpha, Tags.empty(), Duration.ZERO).bindTo(registry);
        new RingfileMetrics(beta, Tags.empty(), Duration.ZERO).bindTo(registry);
        // Binding again adds no meter (Micrometer logs a warning about the duplicate registration: expected here).
        new RingfileMetrics(beta, Tags.empty(), Duration.ZERO).bindTo(registry);

        try (AsyncFile a = await(alpha.open(dir.resolve("a"), CREATE_NEW, WRITE));
             AsyncFile b = await(beta.open(dir.resolve("b"), CREATE_NEW, WRITE))) {
            for (int i = 0; i < 3; i++) {
                EngineSupport.write(a, 100, i * 100L);
            }
            EngineSupport.write(b, 50, 0);
        }
        EngineSupport.settled(alpha);
        EngineSupport.settled(beta);

        int perEngine = KINDS.length * METERS_PER_KIND + 2 + POOL_METERS;
        assertEquals(2 * perEngine, registry.getMeters().size(), names(registry).toString());
        assertEquals(perEngine, registry.find("ringfile.operations.started").tag("engine", "alpha").meters().size()
                + registry.find("ringfile.operations").tag("engine", "alpha").meters().size()
                + registry.find("ringfile.bytes").tag("engine", "alpha").meters().size()
                + registry.find("ringfile.operation.duration").tag("engine", "alpha").meters().size()
                + registry.find("ringfile.operation.duration.percentile").tag("engine", "alpha").meters().size()
                + registry.find("ringfile.operation.duration.max").tag("engine", "alpha").meters().size()
                + registry.find("ringfile.pool.queued").tag("engine", "alpha").meters().size()
                + registry.find("ringfile.pool.active").tag("engine", "alpha").meters().size()
                + registry.find("ringfile.pool.threads").tag("engine", "alpha").meters().size()
                + registry.find("ringfile.underway").tag("engine", "alpha").meters().size()
                + registry.find("ringfile.rejected").tag("engine", "alpha").meters().size());
        assertEquals(3, counter(registry, "ringfile.operations", "engine", "alpha", "op", "write", "outcome",
                "completed"));
        assertEquals(300, counter(registry, "ringfile.bytes", "engine", "alpha", "direction", "write"));
        assertEquals(1, counter(registry, "ringfile.operations", "engine", "beta", "op", "write", "outcome",
                "completed"));
        assertEquals(50, counter(registry, "ringfile.bytes", "engine", "beta", "direction", "write"));
        assertEquals(1, counter(registry, "ringfile.operations.started", "engine", "alpha", "op", "open"));
        assertEquals(1, counter(registry, "ringfile.operations.started", "engine", "beta", "op", "open"));
        assertEquals(1, counter(registry, "ringfile.operations", "engine", "alpha", "op", "close", "outcome",
                "completed"));
        assertEquals(1, counter(registry, "ringfile.operations", "engine", "beta", "op", "open", "outcome",
                "completed"));
    }

    @ParameterizedTest
    @EnumSource(names = {"IO_URING", "NIO"})
    void withMetricsOffOnlyTheGaugesAreBound(FileEngine.Backend backend) throws Exception {
        FileEngine engine = engine(FileEngine.builder().name("quiet").metrics(false), backend);
        EngineSupport.oneOfEach(engine, dir);
        EngineSupport.Observed observed = new EngineSupport.Observed(engine);
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        new RingfileMetrics(observed.proxy, Tags.empty(), Duration.ofHours(1)).bindTo(registry);
        EngineMetrics m = observed.last();
        assertFalse(m.enabled());

        Set<String> expected = new TreeSet<>(Set.of("ringfile.pool.queued", "ringfile.pool.active",
                "ringfile.pool.threads", "ringfile.underway", "ringfile.rejected"));
        if (backend == FileEngine.Backend.IO_URING) {
            expected.addAll(Set.of("ringfile.inflight", "ringfile.backlog", "ringfile.slot.waits"));
        }
        assertEquals(expected, names(registry));
        assertEquals(POOL_METERS + METERS_PER_RING * m.rings().size(), registry.getMeters().size());
        assertEquals(backend == FileEngine.Backend.IO_URING, !m.rings().isEmpty(), m.toString());
        for (EngineMetrics.RingMetrics ring : m.rings()) {
            String index = Integer.toString(ring.index());
            assertEquals(ring.inFlight(), gauge(registry, "ringfile.inflight", "ring", index));
            assertEquals(ring.waiting(), gauge(registry, "ringfile.backlog", "ring", index));
            assertEquals(ring.waitedForSlot(), counter(registry, "ringfile.slot.waits", "ring", index));
        }
        assertEquals(m.pool().threads(), gauge(registry, "ringfile.pool.threads"));
        assertEquals(m.pool().active(), gauge(registry, "ringfile.pool.active"));
        assertEquals(m.pool().queued(), gauge(registry, "ringfile.pool.queued"));
        assertConventions(registry);
    }

    @ParameterizedTest
    @EnumSource(names = {"IO_URING", "NIO"})
    void aScrapeReadsOneSnapshotAndANewOneOnceItIsOld(FileEngine.Backend backend) throws Exception {
        FileEngine engine = engine(FileEngine.builder().name("cached"), backend);
        try (AsyncFile file = await(engine.open(dir.resolve("cached"), CREATE_NEW, WRITE))) {
            // A snapshot that never grows old: scrapes read it and nothing else.
            EngineSupport.Observed forever = new EngineSupport.Observed(engine);
            SimpleMeterRegistry frozen = new SimpleMeterRegistry();
            new RingfileMetrics(forever.proxy, Tags.empty(), Duration.ofHours(1)).bindTo(frozen);
            scrape(frozen);
            EngineSupport.write(file, 10, 0);
            scrape(frozen);
            assertEquals(0, counter(frozen, "ringfile.operations", "op", "write", "outcome", "completed"),
                    "the snapshot is reused while it is young");
            assertEquals(1, forever.metricsCalls(), "scrapes of a young snapshot do not ask the engine");

            // A snapshot that serves for a second.
            EngineSupport.Observed observed = new EngineSupport.Observed(engine);
            SimpleMeterRegistry registry = new SimpleMeterRegistry();
            new RingfileMetrics(observed.proxy, Tags.empty(), Duration.ofSeconds(1)).bindTo(registry);
            assertEquals(1, counter(registry, "ringfile.operations", "op", "write", "outcome", "completed"));
            EngineSupport.write(file, 10, 10);
            Thread.sleep(1100);
            assertEquals(2, counter(registry, "ringfile.operations", "op", "write", "outcome", "completed"),
                    "an old snapshot is replaced at the next reading");
            scrape(registry);
            assertEquals(2, observed.metricsCalls(), "one snapshot at binding, one for the scrape after it aged");
            assertEquals(20, counter(registry, "ringfile.bytes", "direction", "write"));
        }
    }

    @Test
    void byDefaultASnapshotServesForAboutATenthOfASecond() throws Exception {
        assertEquals(Duration.ofMillis(100), RingfileMetrics.DEFAULT_SNAPSHOT_MAX_AGE);
        FileEngine engine = engine(FileEngine.builder().name("default"), FileEngine.Backend.NIO);
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        new RingfileMetrics(engine).bindTo(registry);
        assertEquals(0, counter(registry, "ringfile.operations", "op", "write", "outcome", "completed"));
        try (AsyncFile file = await(engine.open(dir.resolve("default"), CREATE_NEW, WRITE))) {
            EngineSupport.write(file, 123, 0);
        }
        EngineSupport.settled(engine);
        Thread.sleep(150);
        assertEquals(1, counter(registry, "ringfile.operations", "op", "write", "outcome", "completed"));
        assertEquals(123, counter(registry, "ringfile.bytes", "direction", "write"));
        assertEquals(1, counter(registry, "ringfile.operations", "op", "close", "outcome", "completed"));
    }

    @Test
    void theMetersKeepReadingWhenNobodyHoldsTheBinder() throws Exception {
        FileEngine engine = engine(FileEngine.builder().name("unheld"), FileEngine.Backend.NIO);
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        WeakReference<RingfileMetrics> binder = bindUnheld(engine, registry);
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (binder.get() != null && System.nanoTime() < deadline) {
            System.gc();
            Thread.sleep(10);
        }
        Assumptions.assumeTrue(binder.get() == null, "the binder was not collected: the case does not arise");

        try (AsyncFile file = await(engine.open(dir.resolve("unheld"), CREATE_NEW, WRITE))) {
            EngineSupport.write(file, 77, 0);
        }
        EngineSupport.settled(engine);
        assertEquals(1, counter(registry, "ringfile.operations", "op", "write", "outcome", "completed"));
        assertEquals(77, counter(registry, "ringfile.bytes", "direction", "write"));
        assertEquals(1, registry.get("ringfile.operation.duration").tags("op", "write").functionTimer().count());
        assertTrue(percentile(registry, "write", "0.5") > 0);
        assertEquals(engine.metrics().pool().threads(), gauge(registry, "ringfile.pool.threads"));
    }

    private static WeakReference<RingfileMetrics> bindUnheld(FileEngine engine, MeterRegistry registry) {
        RingfileMetrics binder = new RingfileMetrics(engine, Tags.empty(), Duration.ZERO);
        binder.bindTo(registry);
        return new WeakReference<>(binder);
    }

    /** Scrapes from several threads while operations run: no counter goes back, and the end counts are exact. */
    @ParameterizedTest
    @EnumSource(names = {"IO_URING", "NIO"})
    void concurrentScrapesNeverSeeACounterGoBack(FileEngine.Backend backend) throws Exception {
        FileEngine engine = engine(FileEngine.builder().name("busy"), backend);
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        new RingfileMetrics(engine, Tags.empty(), Duration.ZERO).bindTo(registry);
        FunctionCounter completed = registry.get("ringfile.operations").tags("op", "write", "outcome", "completed")
                .functionCounter();
        FunctionCounter started = registry.get("ringfile.operations.started").tags("op", "write").functionCounter();
        FunctionCounter bytes = registry.get("ringfile.bytes").tags("direction", "write").functionCounter();

        int writes = 300;
        int readers = 3;
        AtomicBoolean done = new AtomicBoolean();
        CountDownLatch reading = new CountDownLatch(readers);
        ExecutorService pool = Executors.newFixedThreadPool(readers);
        List<Future<Integer>> results = new ArrayList<>();
        try {
            for (int r = 0; r < readers; r++) {
                results.add(pool.submit(() -> {
                    double lastCompleted = 0;
                    double lastStarted = 0;
                    double lastBytes = 0;
                    int readings = 0;
                    reading.countDown();
                    while (!done.get()) {
                        double c = completed.count();
                        double s = started.count();
                        double b = bytes.count();
                        assertTrue(c >= lastCompleted, "completed went back: " + lastCompleted + " -> " + c);
                        assertTrue(s >= lastStarted, "started went back: " + lastStarted + " -> " + s);
                        assertTrue(b >= lastBytes, "bytes went back: " + lastBytes + " -> " + b);
                        assertTrue(s >= c, "read later, started is never below completed: " + s + " < " + c);
                        lastCompleted = c;
                        lastStarted = s;
                        lastBytes = b;
                        readings++;
                    }
                    return readings;
                }));
            }
            assertTrue(reading.await(EngineSupport.WAIT_SECONDS, TimeUnit.SECONDS));
            try (AsyncFile file = await(engine.open(dir.resolve("busy"), CREATE_NEW, WRITE))) {
                for (int i = 0; i < writes; i++) {
                    EngineSupport.write(file, 100, i * 100L);
                }
            }
            done.set(true);
            for (Future<Integer> result : results) {
                assertTrue(result.get(EngineSupport.WAIT_SECONDS, TimeUnit.SECONDS) > 0);
            }
        } finally {
            done.set(true);
            pool.shutdownNow();
        }
        assertEquals(writes, completed.count());
        assertEquals(writes, started.count());
        assertEquals(writes * 100.0, bytes.count());
    }

    @Test
    void theEngineAndBackendTagsWinOverTheCallersAndArgumentsAreChecked() {
        FileEngine engine = engine(FileEngine.builder().name("tagged"), FileEngine.Backend.NIO);
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        new RingfileMetrics(engine, List.of(Tag.of("engine", "other"), Tag.of("backend", "x"), Tag.of("zone", "a")))
                .bindTo(registry);
        for (Meter meter : registry.getMeters()) {
            assertEquals("tagged", meter.getId().getTag("engine"));
            assertEquals("nio", meter.getId().getTag("backend"));
            assertEquals("a", meter.getId().getTag("zone"));
        }

        assertThrows(NullPointerException.class, () -> new RingfileMetrics(null));
        assertThrows(NullPointerException.class, () -> new RingfileMetrics(engine, null));
        assertThrows(NullPointerException.class, () -> new RingfileMetrics(engine, Tags.empty(), null));
        assertThrows(IllegalArgumentException.class,
                () -> new RingfileMetrics(engine, Tags.empty(), Duration.ofMillis(-1)));
        assertThrows(NullPointerException.class, () -> new RingfileMetrics(engine).bindTo(null));
        // A maximum age too long for a long of nanoseconds is simply "never renew".
        new RingfileMetrics(engine, Tags.empty(), Duration.ofSeconds(Long.MAX_VALUE)).bindTo(new SimpleMeterRegistry());
    }

    // ---------------------------------------------------------------- helpers

    private static double counter(MeterRegistry registry, String name, String... tags) {
        return registry.get(name).tags(tags).functionCounter().count();
    }

    private static double gauge(MeterRegistry registry, String name, String... tags) {
        return registry.get(name).tags(tags).gauge().value();
    }

    private static double percentile(MeterRegistry registry, String op, String phi) {
        return registry.get("ringfile.operation.duration.percentile").tags("op", op, "phi", phi).timeGauge()
                .value(TimeUnit.NANOSECONDS);
    }

    /** Nanoseconds that went through seconds and back: equal up to floating-point rounding. */
    private static void assertNanos(long expected, double actual, String what) {
        assertEquals(expected, actual, 1e-6 + expected * 1e-12, what);
    }

    private static Set<String> names(MeterRegistry registry) {
        Set<String> names = new TreeSet<>();
        registry.getMeters().forEach(meter -> names.add(meter.getId().getName()));
        return names;
    }

    /** Reads every meter once, as a registry's publication does. */
    private static void scrape(MeterRegistry registry) {
        Set<Double> values = new HashSet<>();
        for (Meter meter : registry.getMeters()) {
            meter.measure().forEach(measurement -> values.add(measurement.getValue()));
        }
        assertFalse(values.isEmpty());
    }
}
