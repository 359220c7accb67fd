package io.ringfile.bench;

import io.ringfile.FileEngine;
import org.HdrHistogram.Histogram;
import org.HdrHistogram.Recorder;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.OpenOption;
import java.nio.file.Path;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * The short benchmark report (not JMH): one run, every engine side by side, on a generated file.
 *
 * <pre>
 * Report measure --dir DIR [--size 256m] [--warmup 0.5] [--seconds 1.5] [--out bench/target/results] [--fio FIO]
 *                [--command TEXT]
 *     creates DIR/data.bin (and the write rows' files beside it), measures, writes OUT/report.csv,
 *     OUT/targets-points.csv and OUT/repeats.csv (every run, with its attempt, pass and spare CPU; the caller
 *     deletes DIR); with --fio FIO (the fio executable) fio runs each
 *     configuration right after the engines, into OUT/fio.csv; --command is recorded as the command that ran
 * Report render [--out bench/target/results]
 *     reads OUT/report.csv, OUT/targets-points.csv and, if present, OUT/fio.csv and OUT/repeats.csv; prints the tables and, last, the
 *     targets table of issue 7 ({@link Targets}); writes OUT/report.md, OUT/report.svg and OUT/targets.csv
 * </pre>
 *
 * Every cell runs a {@link Load} at a fixed queue depth for a short warm-up, then measures for a fixed time:
 * throughput from the completion counter, latency from an HdrHistogram, allocation from the JVM's allocated-bytes
 * counter over all threads. Engines take turns within each workload and queue depth, so that the machine's noise
 * hits them alike; compare ratios within one run, not absolute numbers across runs. A point may also carry extra
 * runs that only the targets table uses (other thread counts, blocking callers, two rings, fio with two jobs);
 * they take their turn at the same point, after the main engines and fio. A {@link CpuSampler} runs throughout;
 * points of the targets table run twice (forward, reverse) and again while a comparator's repeats disagree (see
 * {@link Targets#SPREAD_LIMIT}), so that the targets table can mark rows measured under load "noisy".
 */
public final class Report {
    private static final String[] HOT_SEQ_QD = {"1", "8", "32"};
    private static final String[] HOT_RAND_QD = {"1", "32", "128"};
    private static final String[] DIRECT_RAND_QD = {"32", "128"};

    /** Keys of the extra runtimes: io_uring engines with exactly two rings (target row 4). */
    private static final String RINGS2_KEY = "rings2";
    private static final String RINGS2_INLINE_KEY = "rings2-inline";

    private Report() {
    }

    public static void main(String[] args) throws Exception {
        if (args.length == 0 || !(args[0].equals("measure") || args[0].equals("render"))) {
            System.err.println("usage: Report measure --dir DIR [--size 256m] [--warmup 0.5] [--seconds 1.5] "
                    + "[--out DIR] [--fio fio] [--command TEXT]\n       Report render [--out DIR]");
            System.exit(2);
        }
        Map<String, String> options = new LinkedHashMap<>();
        for (int i = 1; i + 1 < args.length; i += 2) {
            options.put(args[i].replaceFirst("^--", ""), args[i + 1]);
        }
        Path out = Path.of(options.getOrDefault("out", "bench/target/results"));
        Files.createDirectories(out);
        if (args[0].equals("measure")) {
            String dir = options.get("dir");
            if (dir == null) {
                System.err.println("measure needs --dir (a directory for the generated file)");
                System.exit(2);
            }
            measure(Path.of(dir), TestFiles.parseSize(options.getOrDefault("size", "256m")),
                    Double.parseDouble(options.getOrDefault("warmup", "0.5")),
                    Double.parseDouble(options.getOrDefault("seconds", "1.5")), out, options.get("fio"),
                    options.getOrDefault("command", "io.ringfile.bench.Report measure"));
        } else {
            render(out);
        }
    }

    // ---- measure

    /** One point: a workload at a queue depth. The main engines and fio take turns, then the point's extras. */
    private static final class Plan {
        final String workload;
        final Cache cache;
        final int blockSize;
        final int queueDepth;
        /** False for points that only the targets table uses: no main engines and no fio at queueDepth. */
        final boolean main;
        final List<Extra> extras = new ArrayList<>();

        Plan(String workload, Cache cache, int blockSize, int queueDepth, boolean main) {
            this.workload = workload;
            this.cache = cache;
            this.blockSize = blockSize;
            this.queueDepth = queueDepth;
            this.main = main;
        }

        Plan extra(Extra e) {
            extras.add(e);
            return this;
        }

        String key() {
            return Targets.point(workload, cache.name(), blockSize, queueDepth);
        }
    }

    /** A run at a point beyond the main engines, for the targets table. */
    private static final class Extra {
        final String label;       // the engine column of its cell (fio's own label for fio)
        final String runtime;     // key into the runtimes, null for fio
        final Load.Driver driver;
        final int inFlight;       // slots or threads; for fio the iodepth of each job
        int fioJobs;
        boolean write;            // random overwrites of DIR/write.bin instead of reads
        double minWarmup;         // seconds; the allocation rows need C2 to have compiled the caller's loop

        Extra(String label, String runtime, Load.Driver driver, int inFlight) {
            this.label = label;
            this.runtime = runtime;
            this.driver = driver;
            this.inFlight = inFlight;
        }

        static Extra fio(int jobs, int depthPerJob) {
            Extra e = new Extra("fio io_uring " + jobs + " jobs x" + depthPerJob, null, null, depthPerJob);
            e.fioJobs = jobs;
            return e;
        }
    }

    /**
     * How often a point is measured. O_DIRECT points run twice, the second time in reverse order, and report the mean:
     * the virtual disk's speed drifts within a point, and whoever ran last would otherwise take the drift alone.
     */
    private static int passes(Plan plan, Map<String, List<Targets.Row>> targetRows) {
        return plan.cache == Cache.DIRECT || targetRows.containsKey(plan.key()) ? 2 : 1;
    }

    /** The target rows with a comparator, by the point they are measured at (from the rows' own definitions). */
    private static Map<String, List<Targets.Row>> targetRowsByPoint() {
        Map<String, List<Targets.Row>> byPoint = new LinkedHashMap<>();
        for (Targets.Row row : Targets.rows(new Targets.Inputs())) {
            if (row.comparatorLabel != null) {
                byPoint.computeIfAbsent(row.point, k -> new ArrayList<>()).add(row);
            }
        }
        return byPoint;
    }

    /** Which comparator's repeats at this attempt are further apart than {@link Targets#SPREAD_LIMIT}; null if none. */
    private static String disagreement(List<Targets.Row> rows, Map<Run, List<Cell>> results) {
        for (Targets.Row row : rows) {
            for (Map.Entry<Run, List<Cell>> e : results.entrySet()) {
                if (!e.getKey().cellLabel().equals(row.comparatorLabel)) {
                    continue;
                }
                List<Double> values = new ArrayList<>();
                for (Cell c : e.getValue()) {
                    values.add(row.measure.of(c));
                }
                double spread = Targets.spread(values);
                if (spread > Targets.SPREAD_LIMIT) {
                    return String.format(Locale.ROOT, "row %s: %s's repeats %.0f%% apart (limit %.0f%%)", row.id,
                            row.comparatorLabel, spread * 100, Targets.SPREAD_LIMIT * 100);
                }
            }
        }
        return null;
    }

    /** The runs at {@code plan}, in order: the main engines, fio, then the extras that can run here. */
    private static List<Run> runsOf(Plan plan, List<EngineRuntime> mainRuntimes, Map<String, EngineRuntime> runtimes,
                                    String fio) {
        List<Run> runs = new ArrayList<>();
        if (plan.main) {
            for (EngineRuntime runtime : mainRuntimes) {
                runs.add(new Run(runtime.engine().label(), runtime, null));
            }
            if (fio != null) {
                runs.add(new Run("fio io_uring", null, null));
            }
        }
        for (Extra extra : plan.extras) {
            EngineRuntime runtime = extra.runtime == null ? null : runtimes.get(extra.runtime);
            if (extra.runtime == null ? fio != null : runtime != null) {
                runs.add(new Run(extra.label, runtime, extra));
            }
        }
        return runs;
    }

    /** One engine (or fio) at one point: a main engine, main fio, or an extra. */
    private static final class Run {
        final String label;
        final EngineRuntime runtime; // null for fio
        final Extra extra;           // null for the main engines and main fio

        Run(String label, EngineRuntime runtime, Extra extra) {
            this.label = label;
            this.runtime = runtime;
            this.extra = extra;
        }

        boolean isFio() {
            return runtime == null;
        }

        /** The engine label its cells carry (fio's runs: fio's own label, with the job count). */
        String cellLabel() {
            if (!isFio()) {
                return label;
            }
            return extra == null || extra.fioJobs <= 1 ? Fio.ENGINE : Fio.ENGINE + " " + extra.fioJobs + " jobs";
        }

        boolean allocationRow(Cell cell) {
            return extra != null && extra.minWarmup > 0 && !Double.isNaN(cell.allocBytesPerOp);
        }

        Cell measure(Plan plan, WorkFiles files, double warmup, double seconds, String fio) throws Exception {
            boolean direct = plan.cache == Cache.DIRECT;
            String workload = extra != null && extra.write ? "randwrite" : plan.workload;
            Path path = files.prepare(workload);
            int inFlight = extra == null ? plan.queueDepth : extra.inFlight;
            if (isFio()) {
                return runFio(fio, path, workload, plan, extra == null ? 1 : extra.fioJobs, inFlight, warmup,
                        seconds);
            }
            Set<OpenOption> options = workload.endsWith("read") ? Options.read(direct) : Options.readWrite(direct);
            return runCell(runtime, label, path, options,
                    spec(workload, plan.blockSize, plan.cache, files.size(workload),
                            extra == null ? Load.Driver.CALLBACKS : extra.driver, inFlight), workload, plan.cache,
                    Math.max(warmup, extra == null ? 0 : extra.minWarmup), seconds);
        }
    }

    /**
     * The files the points run on, by workload: reads on DIR/data.bin; random overwrites on DIR/write.bin (64 MiB at
     * most, cached); sequential 1 MiB overwrites on DIR/seqwrite.bin (the report's size); appends to DIR/log.bin.
     * Before every run of a write workload (each engine, fio, each repeat) its file is made clean with an fsync, and
     * the log is emptied first: each run starts with no dirty page of its file, whatever ran before, so that the
     * kernel's writeback of an earlier run's pages does not fall into a later one.
     */
    static final class WorkFiles {
        final Path data;
        final long size;
        final Path scratch;
        final long scratchSize;
        final Path seqWrite;
        final Path log;

        WorkFiles(Path dir, long size) {
            this.data = dir.resolve("data.bin");
            this.size = size;
            this.scratch = dir.resolve("write.bin");
            this.scratchSize = Math.min(size, 64L << 20);
            this.seqWrite = dir.resolve("seqwrite.bin");
            this.log = dir.resolve("log.bin");
        }

        void create() throws IOException {
            TestFiles.create(data, size);
            TestFiles.warm(data);
            TestFiles.create(scratch, scratchSize);
            TestFiles.warm(scratch);
            TestFiles.create(seqWrite, size);
            TestFiles.warm(seqWrite);
            Files.deleteIfExists(log);
            Files.createFile(log);
        }

        long size(String workload) {
            switch (workload) {
                case "randwrite":
                    return scratchSize;
                case "append":
                    return 1L << 40; // positions only: an append run never wraps
                default:
                    return size;
            }
        }

        /** The file of {@code workload}, made ready for a run (see the class comment). */
        Path prepare(String workload) throws IOException {
            switch (workload) {
                case "randwrite":
                    return clean(scratch, false);
                case "seqwrite":
                    return clean(seqWrite, false);
                case "append":
                    return clean(log, true);
                default:
                    return data;
            }
        }

        private static Path clean(Path file, boolean empty) throws IOException {
            try (java.nio.channels.FileChannel channel = java.nio.channels.FileChannel.open(file,
                    java.nio.file.StandardOpenOption.WRITE)) {
                if (empty) {
                    channel.truncate(0);
                }
                channel.force(true);
            }
            return file;
        }
    }

    private static List<Plan> plans(boolean virtualThreads) {
        List<Plan> plans = new ArrayList<>();
        Load.Driver callbacks = Load.Driver.CALLBACKS;
        Load.Driver threads = Load.Driver.PLATFORM_THREADS;
        for (String qd : HOT_SEQ_QD) {
            plans.add(new Plan("seqread", Cache.HOT, 1 << 20, Integer.parseInt(qd), true));
        }
        for (String qd : HOT_RAND_QD) {
            Plan plan = new Plan("randread", Cache.HOT, 4096, Integer.parseInt(qd), true);
            if (plan.queueDepth == 32) { // row 6: blocking callers on the default engine
                plan.extra(new Extra(Targets.JOIN_32, Engine.RINGFILE_IO_URING.name(), threads, 32));
            }
            if (plan.queueDepth == 128) { // row 4: two rings whatever the core count; fio 2 jobs x 64
                plan.extra(new Extra(Targets.RINGS2, RINGS2_KEY, callbacks, 128));
                plan.extra(new Extra(Targets.RINGS2_INLINE, RINGS2_INLINE_KEY, callbacks, 128));
                plan.extra(Extra.fio(2, 64));
            }
            plans.add(plan);
        }
        plans.add(new Plan("seqread", Cache.DIRECT, 1 << 20, 8, true));
        for (String qd : DIRECT_RAND_QD) { // rows 1 and 2: FileChannel DIRECT with 8 threads at both depths
            Plan plan = new Plan("randread", Cache.DIRECT, 4096, Integer.parseInt(qd), true)
                    .extra(new Extra(Targets.FC_8, Engine.FILE_CHANNEL.name(), threads, 8));
            if (plan.queueDepth == 32) { // row 12: CPU per read against 32 threads
                plan.extra(new Extra(Targets.fileChannelThreads(32), Engine.FILE_CHANNEL.name(), threads, 32));
            }
            plans.add(plan);
        }
        if (virtualThreads) { // row 7
            plans.add(new Plan("randread", Cache.DIRECT, 4096, 1024, false)
                    .extra(new Extra(Targets.JOIN_1024_VIRTUAL, Engine.RINGFILE_IO_URING.name(),
                            Load.Driver.VIRTUAL_THREADS, 1024))
                    .extra(new Extra(Targets.FC_1024_VIRTUAL, Engine.FILE_CHANNEL.name(),
                            Load.Driver.VIRTUAL_THREADS, 1024)));
        }
        // row 8: one caller thread joining each operation, queue depth 1
        Extra read = new Extra(Targets.JOIN_READ, Engine.RINGFILE_IO_URING.name(), threads, 1);
        Extra write = new Extra(Targets.JOIN_WRITE, Engine.RINGFILE_IO_URING.name(), threads, 1);
        read.minWarmup = 1.0;
        write.minWarmup = 1.0;
        write.write = true;
        plans.add(new Plan("randread", Cache.HOT, 4096, 1, false).extra(read).extra(write));
        // rows 9 to 11: writes (issue 16); each compared with FileChannel and, but for the log, fio
        for (int qd : new int[] {1, 8}) { // row 9: buffered sequential 1 MiB, against one writing thread
            plans.add(writes(new Plan("seqwrite", Cache.HOT, 1 << 20, qd, false), qd, 1, true));
        }
        for (int writers : new int[] {1, 16}) { // row 10: a log's appends, each forced, as many threads as slots
            plans.add(writes(new Plan("append", Cache.HOT, 4096, writers, false), writers, writers, false));
        }
        plans.add(writes(new Plan("randwrite", Cache.HOT, 4096, 32, false), 32, 32, true)); // row 11
        return plans;
    }

    /**
     * A write point's runs: Ringfile (default and inline) with {@code slots} callbacks in flight, {@code FileChannel}
     * with {@code threads} threads, and fio (one job at the point's depth) when {@code withFio}.
     */
    private static Plan writes(Plan plan, int slots, int threads, boolean withFio) {
        Load.Driver callbacks = Load.Driver.CALLBACKS;
        plan.extra(new Extra(Targets.DEFAULT, Engine.RINGFILE_IO_URING.name(), callbacks, slots))
                .extra(new Extra(Targets.INLINE, Engine.RINGFILE_IO_URING_INLINE.name(), callbacks, slots))
                .extra(new Extra(Targets.fileChannelThreads(threads), Engine.FILE_CHANNEL.name(),
                        Load.Driver.PLATFORM_THREADS, threads));
        if (withFio) {
            plan.extra(Extra.fio(1, slots));
        }
        return plan;
    }

    private static void measure(Path dir, long size, double warmup, double seconds, Path out, String fio,
                                String command) throws Exception {
        CpuSampler sampler = CpuSampler.start(); // the whole run, so that every point has its spare-CPU figure
        samplerThreadId = sampler.threadId();
        List<String> meta = new ArrayList<>();
        meta.add("date: " + ZonedDateTime.now().format(DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm z")));
        meta.add("command: " + command);
        meta.add("machine: " + Runtime.getRuntime().availableProcessors() + " cores, Linux "
                + System.getProperty("os.version") + ", JDK " + System.getProperty("java.runtime.version"));
        int cores = Runtime.getRuntime().availableProcessors();
        meta.add(String.format(Locale.ROOT, "cpu check: %d busy threads did %.2fx the work of one (noisy-neighbour "
                + "indicator: %d.00 means every core was free)", cores, cpuScaling(cores), cores));
        try (FileEngine auto = FileEngine.builder().threadNamePrefix("bench-probe").build()) {
            meta.add("backend (FileEngine AUTO): " + auto.backend()
                    + auto.fallbackReason().map(r -> ", fell back because: " + r).orElse(""));
        }
        Files.createDirectories(dir);
        WorkFiles files = new WorkFiles(dir, size);
        meta.add("file: " + TestFiles.formatSize(size) + " at " + files.data + " (generated, deleted after; writes go "
                + "to files of their own beside it, each fsynced before every run)");
        String sizeLine = "sizeBytes: " + size;
        meta.add("each point: " + warmup + " s warm-up, " + seconds + " s measured; engines (and fio) take turns"
                + " at each point; O_DIRECT points and the points of the targets table run twice, the second pass in"
                + " reverse order, and report the mean (of the last attempt, where a point was measured again)");
        List<String> notes = new ArrayList<>();
        String virtualThreads = VirtualThreads.unavailableReason();
        if (virtualThreads != null) {
            String note = "needs JDK 21+ (run with JAVA_HOME=" + newerJdk() + ")";
            notes.add(Targets.JOIN_1024_VIRTUAL + ": " + note);
            notes.add(Targets.FC_1024_VIRTUAL + ": needs JDK 21+");
            meta.add("virtual-thread target row skipped: " + virtualThreads + "; " + note);
        }
        for (String line : meta) {
            System.out.println(line);
        }
        System.out.println("generating " + TestFiles.formatSize(size) + " ...");
        files.create();

        Map<String, EngineRuntime> runtimes = new LinkedHashMap<>();
        List<EngineRuntime> mainRuntimes = new ArrayList<>();
        for (Engine engine : Engine.values()) {
            if (!engine.inShortReport()) {
                continue;
            }
            try {
                EngineRuntime runtime = EngineRuntime.start(engine);
                runtimes.put(engine.name(), runtime);
                mainRuntimes.add(runtime);
            } catch (RuntimeException e) {
                String line = engine.label() + " skipped: " + e.getMessage();
                System.out.println(line);
                meta.add(line);
            }
        }
        for (String key : new String[] {RINGS2_KEY, RINGS2_INLINE_KEY}) {
            try {
                runtimes.put(key, EngineRuntime.withRings(key.equals(RINGS2_KEY) ? Engine.RINGFILE_IO_URING
                        : Engine.RINGFILE_IO_URING_INLINE, 2));
            } catch (RuntimeException e) {
                String line = (key.equals(RINGS2_KEY) ? Targets.RINGS2 : Targets.RINGS2_INLINE) + " skipped: "
                        + e.getMessage();
                System.out.println(line);
                meta.add(line);
            }
        }

        List<Plan> plans = plans(virtualThreads == null);
        Map<String, List<Targets.Row>> targetRows = targetRowsByPoint();
        List<Cell> cells = new ArrayList<>();
        List<Cell> fioCells = new ArrayList<>();
        List<String> extraLines = new ArrayList<>();
        List<Targets.Repeat> repeats = new ArrayList<>();
        int total = 0;
        for (Plan plan : plans) {
            total += runsOf(plan, mainRuntimes, runtimes, fio).size() * passes(plan, targetRows);
        }
        int n = 0;
        long began = System.nanoTime();
        try {
            for (Plan plan : plans) {
                List<Run> runs = runsOf(plan, mainRuntimes, runtimes, fio);
                List<Targets.Row> rows = targetRows.getOrDefault(plan.key(), List.of());
                Set<String> rowLabels = new java.util.HashSet<>();
                for (Targets.Row row : rows) {
                    rowLabels.add(row.ringfileLabel);
                    rowLabels.add(row.comparatorLabel);
                }
                int passes = passes(plan, targetRows);
                Map<Run, List<Cell>> latest = new LinkedHashMap<>(); // each run's cells in its last attempt
                for (int attempt = 1; ; attempt++) {
                    List<Run> these = new ArrayList<>();
                    for (Run run : runs) { // again: only the runs the point's target rows use
                        if (attempt == 1 || rowLabels.contains(run.cellLabel())) {
                            these.add(run);
                        }
                    }
                    Map<Run, List<Cell>> results = new LinkedHashMap<>();
                    for (int pass = 0; pass < passes; pass++) {
                        List<Run> order = new ArrayList<>(these);
                        if (pass % 2 == 1) {
                            java.util.Collections.reverse(order); // the second pass runs last what ran first
                        }
                        for (Run run : order) {
                            String name = progressName(++n, total, plan, run.label);
                            System.out.print(name);
                            System.out.flush();
                            long t0 = System.nanoTime();
                            try {
                                Cell cell = run.measure(plan, files, warmup, seconds, fio);
                                CpuSampler.Window w = sampler.window(t0, System.nanoTime());
                                results.computeIfAbsent(run, r -> new ArrayList<>()).add(cell);
                                Targets.Repeat repeat = new Targets.Repeat();
                                repeat.point = plan.key();
                                repeat.attempt = attempt;
                                repeat.pass = pass + 1;
                                repeat.spareMin = w.spareMin;
                                repeat.spareMedian = w.spareMedian;
                                repeat.stealMax = w.stealMax;
                                repeat.cell = cell;
                                repeats.add(repeat);
                                System.out.println(progress(cell) + (run.allocationRow(cell)
                                        ? String.format(Locale.ROOT, "  %.0f B/op", cell.allocBytesPerOp) : "")
                                        + (Double.isNaN(w.spareMedian) ? "" : String.format(Locale.ROOT,
                                        "  spare CPU %.2f", w.spareMedian)));
                            } catch (Exception e) {
                                System.out.println("FAILED: " + (run.isFio() ? e.getMessage() : e.toString()));
                                if (!run.isFio()) {
                                    meta.add("failed: " + name.trim() + ": " + e);
                                }
                            }
                        }
                    }
                    latest.putAll(results);
                    String apart = disagreement(rows, results);
                    if (apart == null) {
                        break;
                    }
                    if (attempt >= Targets.MAX_ATTEMPTS) {
                        System.out.println("       " + apart + " after " + attempt + " attempts: its rows are noisy");
                        break;
                    }
                    System.out.println("       " + apart + ": measuring the point again (attempt " + (attempt + 1)
                            + " of " + Targets.MAX_ATTEMPTS + ")");
                    total += these.stream().filter(r -> rowLabels.contains(r.cellLabel())).count() * passes;
                }
                for (Map.Entry<Run, List<Cell>> result : latest.entrySet()) {
                    Cell cell = Cell.mean(result.getValue());
                    Run run = result.getKey();
                    if (run.extra != null) {
                        extraLines.add(plan.key() + "," + cell.toCsv());
                    } else if (run.isFio()) {
                        fioCells.add(cell);
                    } else {
                        cells.add(cell);
                    }
                }
            }
        } finally {
            for (EngineRuntime runtime : runtimes.values()) {
                runtime.close();
            }
        }
        CpuSampler.Window whole = sampler.all();
        sampler.close();
        if (!Double.isNaN(whole.spareMedian)) {
            meta.add(String.format(Locale.ROOT, "spare CPU during the run (cores not used by other processes or "
                    + "stolen, every %d ms): median %.2f, min %.2f of %d; steal max %.2f", CpuSampler.PERIOD_MS,
                    whole.spareMedian, whole.spareMin, sampler.cores(), whole.stealMax));
        }
        List<String> repeatLines = new ArrayList<>();
        repeatLines.add("# every run at every point: attempt (a point is measured again when a comparator's repeats "
                + "disagree), pass (2: reverse order), spare CPU in cores over the run (min and median of "
                + CpuSampler.PERIOD_MS + " ms samples), steal");
        repeatLines.add("# cores: " + sampler.cores());
        repeatLines.add(Targets.Repeat.HEADER);
        for (Targets.Repeat r : repeats) {
            repeatLines.add(r.toCsv());
        }
        Files.write(out.resolve("repeats.csv"), repeatLines, StandardCharsets.UTF_8);
        System.out.printf(Locale.ROOT, "measured in %.0f s%n", (System.nanoTime() - began) / 1e9);
        List<String> lines = new ArrayList<>();
        for (String m : meta) {
            lines.add("# " + m);
        }
        lines.add("# " + sizeLine);
        lines.add(Cell.HEADER);
        for (Cell c : cells) {
            lines.add(c.toCsv());
        }
        Files.write(out.resolve("report.csv"), lines, StandardCharsets.UTF_8);
        System.out.println("wrote " + out.resolve("report.csv") + " and " + out.resolve("repeats.csv"));
        List<String> targetLines = new ArrayList<>();
        targetLines.add("# runs for the targets table beside report.csv's; point = the point they ran at");
        for (String note : notes) {
            targetLines.add("# note: " + note);
        }
        if (fio != null) {
            targetLines.add("# fio: installed");
        }
        targetLines.add("point," + Cell.HEADER);
        targetLines.addAll(extraLines);
        Files.write(out.resolve("targets-points.csv"), targetLines, StandardCharsets.UTF_8);
        System.out.println("wrote " + out.resolve("targets-points.csv"));
        Path fioCsv = out.resolve("fio.csv");
        if (fio == null || fioCells.isEmpty()) {
            Files.deleteIfExists(fioCsv);
        } else {
            List<String> fioLines = new ArrayList<>();
            fioLines.add("# " + Fio.version() + ", io_uring engine, same file; hot: --direct=0 --invalidate=0, "
                    + "direct: --direct=1");
            fioLines.add(Cell.HEADER);
            for (Cell c : fioCells) {
                fioLines.add(c.toCsv());
            }
            Files.write(fioCsv, fioLines, StandardCharsets.UTF_8);
            System.out.println("wrote " + fioCsv);
        }
    }

    /** The load of {@code workload} (seqread, randread, seqwrite, randwrite, append) at {@code inFlight}. */
    static Load.Spec spec(String workload, int blockSize, Cache cache, long fileSize, Load.Driver driver,
                          int inFlight) {
        Load.Spec spec = new Load.Spec()
                .pattern(workload.startsWith("seq") ? Load.Pattern.SEQUENTIAL
                        : workload.equals("append") ? Load.Pattern.APPEND : Load.Pattern.RANDOM)
                .mix(workload.endsWith("read") ? Load.Mix.READ : Load.Mix.WRITE).blockSize(blockSize)
                .queueDepth(inFlight).fileSize(fileSize).aligned(cache == Cache.DIRECT).driver(driver);
        if (workload.equals("append")) {
            spec.fsyncEvery(1).forceMetadata(false); // a log: each record written, then force(false)
        }
        return spec;
    }

    private static String progressName(int n, int total, Plan plan, String label) {
        return String.format(Locale.ROOT, "[%2d/%d] %-8s %-6s %4s QD %-4d %-34s", n, total, plan.workload,
                plan.cache, plan.blockSize >= 1 << 20 ? "1m" : "4k", plan.queueDepth, label);
    }

    /** The newest JDK 21+ under /usr/lib/jvm, for the hint of the virtual-thread row; "..." if none. */
    private static String newerJdk() {
        Path best = null;
        int bestFeature = 20;
        try (DirectoryStream<Path> jdks = Files.newDirectoryStream(Path.of("/usr/lib/jvm"))) {
            for (Path jdk : jdks) {
                Path release = jdk.resolve("release");
                if (!Files.isRegularFile(release) || !Files.isExecutable(jdk.resolve("bin/java"))) {
                    continue;
                }
                for (String line : Files.readAllLines(release, StandardCharsets.UTF_8)) {
                    if (line.startsWith("JAVA_VERSION=")) {
                        String v = line.substring("JAVA_VERSION=".length()).replace("\"", "");
                        int feature = Integer.parseInt(v.split("[.+-]")[0]);
                        if (feature > bestFeature) {
                            bestFeature = feature;
                            best = jdk;
                        }
                    }
                }
            }
        } catch (IOException | RuntimeException e) {
            // no hint then
        }
        return best == null ? "..." : best.toString();
    }

    private static String progress(Cell cell) {
        return cell.workload.startsWith("seq")
                ? String.format(Locale.ROOT, "%7.2f GiB/s  p99 %s", cell.gibPerSec, fmtMicros(cell.p99us))
                : String.format(Locale.ROOT, "%7.0f k/s    p99 %s", cell.opsPerSec / 1000, fmtMicros(cell.p99us));
    }

    /**
     * Runs fio once on the same file and configuration: {@code jobs} jobs of {@code depth} each (more than one job:
     * summed with --group_reporting).
     */
    private static Cell runFio(String fio, Path file, String workload, Plan plan, int jobs, int depth, double warmup,
                               double seconds) throws IOException, InterruptedException {
        Fio.Job job = new Fio.Job();
        job.executable = fio;
        job.file = file.toString();
        job.size = Files.size(file);
        job.rw = workload.equals("seqread") ? "read" : workload; // Fio's seqwrite is --rw=write for a time
        job.blockSize = plan.blockSize;
        job.queueDepth = depth;
        job.numJobs = jobs;
        job.direct = plan.cache == Cache.DIRECT;
        return Fio.cell(job, Fio.run(job, warmup, seconds), seconds);
    }

    static Cell runCell(EngineRuntime runtime, String label, Path path, Set<OpenOption> options,
                                Load.Spec spec, String workload, Cache cache, double warmup, double seconds)
            throws Exception {
        Recorder recorder = new Recorder(1, Latency.MAX_NANOS, 3);
        try (OpenFile file = runtime.open(path, options)) {
            Load load = Load.start(file, spec, recorder);
            try {
                Thread.sleep((long) (warmup * 1000));
                recorder.getIntervalHistogram(); // discard the warm-up (before the allocation counter starts)
                long ops0 = load.completedOps();
                long bytes0 = load.completedBytes();
                long alloc0 = allocatedBytes();
                long cpu0 = processCpuNanos();
                long t0 = System.nanoTime();
                Thread.sleep((long) (seconds * 1000));
                long ops1 = load.completedOps();
                long bytes1 = load.completedBytes();
                long t1 = System.nanoTime();
                long cpu1 = processCpuNanos();
                long alloc1 = allocatedBytes();
                Histogram h = recorder.getIntervalHistogram();
                load.awaitCompleted(0); // throws if the load failed
                double elapsed = (t1 - t0) / 1e9;
                Cell cell = new Cell();
                cell.workload = workload;
                cell.cache = cache.name();
                cell.blockSize = spec.blockSize;
                cell.queueDepth = spec.queueDepth;
                cell.engine = label;
                cell.ops = ops1 - ops0;
                cell.opsPerSec = cell.ops / elapsed;
                cell.gibPerSec = (bytes1 - bytes0) / elapsed / (1L << 30);
                cell.p50us = h.getValueAtPercentile(50) / 1000.0;
                cell.p99us = h.getValueAtPercentile(99) / 1000.0;
                cell.p999us = h.getValueAtPercentile(99.9) / 1000.0;
                cell.meanUs = h.getMean() / 1000.0;
                if (cpu0 >= 0 && cpu1 >= 0 && cell.ops > 0) {
                    cell.cpuUsPerOp = (cpu1 - cpu0) / 1000.0 / cell.ops;
                }
                if (alloc0 >= 0 && alloc1 >= 0 && cell.ops > 0) {
                    cell.allocBytesPerOp = (double) (alloc1 - alloc0) / cell.ops;
                }
                return cell;
            } finally {
                load.close();
            }
        }
    }

    /** Work done by {@code threads} spinning threads in 300 ms, relative to one thread's. */
    private static double cpuScaling(int threads) throws InterruptedException {
        return spin(threads) / spin(1);
    }

    private static double spin(int threads) throws InterruptedException {
        long[] counts = new long[threads];
        Thread[] workers = new Thread[threads];
        long deadline = System.nanoTime() + 300_000_000L;
        for (int t = 0; t < threads; t++) {
            int id = t;
            workers[t] = new Thread(() -> {
                long n = 0;
                long x = id + 1;
                while (System.nanoTime() < deadline) {
                    for (int k = 0; k < 1000; k++) {
                        x = x * 6364136223846793005L + 1442695040888963407L;
                    }
                    n++;
                }
                counts[id] = n + (x == 42 ? 1 : 0);
            });
            workers[t].start();
        }
        long total = 0;
        for (int t = 0; t < threads; t++) {
            workers[t].join();
            total += counts[t];
        }
        return total;
    }

    /**
     * Bytes allocated by all threads since the JVM started, or -1 where the JVM does not tell. Looked up by name:
     * {@code getTotalThreadAllocatedBytes} came with JDK 21 and later JDK 17 updates, and is not in the JDK 17 API
     * that a newer javac compiles {@code --release 17} against.
     */
    /** This process's CPU time (every thread, its io_uring kernel workers included), or -1 where unknown. */
    private static long processCpuNanos() {
        java.lang.management.OperatingSystemMXBean bean = ManagementFactory.getOperatingSystemMXBean();
        return bean instanceof com.sun.management.OperatingSystemMXBean
                ? ((com.sun.management.OperatingSystemMXBean) bean).getProcessCpuTime() : -1;
    }

    private static long allocatedBytes() {
        java.lang.management.ThreadMXBean bean = ManagementFactory.getThreadMXBean();
        if (bean instanceof com.sun.management.ThreadMXBean) {
            try {
                long total = (long) com.sun.management.ThreadMXBean.class.getMethod("getTotalThreadAllocatedBytes")
                        .invoke(bean);
                long sampler = samplerThreadId < 0 ? -1
                        : ((com.sun.management.ThreadMXBean) bean).getThreadAllocatedBytes(samplerThreadId);
                return sampler > 0 ? total - sampler : total; // -1 once the sampler thread has ended
            } catch (ReflectiveOperationException | UnsupportedOperationException e) {
                return -1;
            }
        }
        return -1;
    }

    /**
     * The {@link CpuSampler}'s thread, whose allocation (reading /proc) is the harness's, not the engine's: left out
     * of B/op. -1 while no sampler runs.
     */
    private static volatile long samplerThreadId = -1;

    // ---- render

    private static void render(Path out) throws IOException {
        Path reportCsv = out.resolve("report.csv");
        List<String> lines = Files.readAllLines(reportCsv, StandardCharsets.UTF_8);
        List<String> meta = new ArrayList<>();
        for (String line : lines) {
            if (line.startsWith("# ") && !line.startsWith("# sizeBytes:")) {
                meta.add(line.substring(2));
            }
        }
        List<Cell> cells = Cell.parse(lines);
        Path fioCsv = out.resolve("fio.csv");
        List<Cell> fio = new ArrayList<>();
        if (Files.exists(fioCsv)) {
            List<String> fioLines = Files.readAllLines(fioCsv, StandardCharsets.UTF_8);
            for (String line : fioLines) {
                if (line.startsWith("# ")) {
                    meta.add("fio: " + line.substring(2));
                }
            }
            fio = Cell.parse(fioLines);
        } else {
            meta.add("fio: not run (install fio for ratios: apt-get install -y fio)");
        }
        Targets.Inputs inputs = Targets.Inputs.read(cells, fio, out.resolve("targets-points.csv"))
                .withRepeats(out.resolve("repeats.csv"));
        List<Targets.Row> targets = Targets.rows(inputs);
        String date = metaValue(meta, "date: ");
        String command = metaValue(meta, "command: ");
        String table = table(cells, fio);
        StringBuilder text = new StringBuilder();
        for (String m : meta) {
            text.append(m).append('\n');
        }
        text.append('\n').append(table);
        System.out.println();
        System.out.print(text);

        StringBuilder md = new StringBuilder("# Ringfile short benchmark report\n\n");
        for (String m : meta) {
            md.append("- ").append(m).append('\n');
        }
        md.append("\n## Targets (issue 7)\n\n")
                .append("- date: ").append(date).append('\n')
                .append("- command: `").append(command).append("`\n\n")
                .append(Targets.EXPLANATION).append("\n\n")
                .append(Targets.markdown(targets))
                .append("\n## Tables\n\n");
        md.append("Throughput is GiB/s for sequential reads and thousands of reads per second for random "
                + "reads. `x fio` is the engine's throughput divided by fio's (io_uring engine, same file, block "
                + "size, queue depth and cache mode). Latencies are per operation, from submission to the completion the "
                + "caller sees; for FileChannel threads the clock starts when the thread finished its previous "
                + "read, so a wait for a CPU counts. mean is the histogram mean (Little's law: QD / throughput). "
                + "B/op is heap allocated per operation by all JVM threads.\n\n```\n")
                .append(table).append("```\n\n![throughput and p99 against queue depth](report.svg)\n");
        Files.writeString(out.resolve("report.md"), md.toString(), StandardCharsets.UTF_8);
        Files.write(out.resolve("targets.csv"), Targets.csv(targets, date, command), StandardCharsets.UTF_8);
        StringBuilder subtitle = new StringBuilder();
        for (String m : meta) {
            if (m.startsWith("date:") || m.startsWith("machine:") || m.startsWith("cpu check:")) {
                subtitle.append(subtitle.length() == 0 ? "" : "; ").append(m.replaceFirst(" \\(noisy.*\\)$", ""));
            }
        }
        Files.writeString(out.resolve("report.svg"), Chart.svg(cells, fio, targets, subtitle.toString()),
                StandardCharsets.UTF_8);
        System.out.println();
        System.out.println("wrote " + out.resolve("report.md") + ", " + out.resolve("report.svg") + " and "
                + out.resolve("targets.csv"));
        System.out.println();
        System.out.println("Targets (issue 7), " + date + ": " + command);
        System.out.println(Targets.EXPLANATION);
        System.out.println();
        System.out.print(Targets.text(targets));
    }

    private static String metaValue(List<String> meta, String prefix) {
        for (String m : meta) {
            if (m.startsWith(prefix)) {
                return m.substring(prefix.length());
            }
        }
        return "-";
    }

    static String table(List<Cell> cells, List<Cell> fio) {
        StringBuilder sb = new StringBuilder();
        String[][] groups = {{"seqread", "HOT"}, {"randread", "HOT"}, {"seqread", "DIRECT"}, {"randread", "DIRECT"}};
        for (String[] g : groups) {
            List<Cell> rows = new ArrayList<>();
            for (Cell c : cells) {
                if (c.workload.equals(g[0]) && c.cache.equals(g[1])) {
                    rows.add(c);
                }
            }
            if (rows.isEmpty()) {
                continue;
            }
            boolean seq = g[0].equals("seqread");
            sb.append(seq ? "Sequential " + TestFiles.formatSize(rows.get(0).blockSize) + " reads"
                    : "Random 4 KiB reads").append(", ")
                    .append(g[1].equals("HOT") ? "page cache hot" : "O_DIRECT (device)").append('\n');
            sb.append(String.format(Locale.ROOT, "%5s  %-26s %10s %7s %10s %10s %10s %10s %8s%n", "QD", "engine",
                    seq ? "GiB/s" : "k reads/s", "x fio", "mean", "p50", "p99", "p99.9", "B/op"));
            int lastQd = -1;
            for (Cell c : rows) {
                if (lastQd != -1 && c.queueDepth != lastQd) {
                    appendFio(sb, fio, rows.get(rows.indexOf(c) - 1), seq);
                }
                lastQd = c.queueDepth;
                Cell f = match(fio, c);
                String ratio = f == null ? "" : String.format(Locale.ROOT, "%.2f",
                        seq ? c.gibPerSec / f.gibPerSec : c.opsPerSec / f.opsPerSec);
                sb.append(String.format(Locale.ROOT, "%5d  %-26s %10s %7s %10s %10s %10s %10s %8s%n", c.queueDepth,
                        c.engine + (c.engine.equals("FileChannel") ? " x" + c.queueDepth + "thr" : ""),
                        seq ? String.format(Locale.ROOT, "%.2f", c.gibPerSec)
                                : String.format(Locale.ROOT, "%.0f", c.opsPerSec / 1000),
                        ratio, fmtMicros(c.meanUs), fmtMicros(c.p50us), fmtMicros(c.p99us), fmtMicros(c.p999us),
                        Double.isNaN(c.allocBytesPerOp) ? "" : String.format(Locale.ROOT, "%.0f", c.allocBytesPerOp)));
            }
            appendFio(sb, fio, rows.get(rows.size() - 1), seq);
            sb.append('\n');
        }
        return sb.toString();
    }

    private static void appendFio(StringBuilder sb, List<Cell> fio, Cell like, boolean seq) {
        Cell f = match(fio, like);
        if (f == null) {
            return;
        }
        sb.append(String.format(Locale.ROOT, "%5d  %-26s %10s %7s %10s %10s %10s %10s %8s%n", f.queueDepth, f.engine,
                seq ? String.format(Locale.ROOT, "%.2f", f.gibPerSec)
                        : String.format(Locale.ROOT, "%.0f", f.opsPerSec / 1000),
                "1.00", fmtMicros(f.meanUs), fmtMicros(f.p50us), fmtMicros(f.p99us), fmtMicros(f.p999us), ""));
    }

    static Cell match(List<Cell> list, Cell like) {
        for (Cell c : list) {
            if (c.sameConfig(like)) {
                return c;
            }
        }
        return null;
    }

    static String fmtMicros(double us) {
        if (Double.isNaN(us)) {
            return "-";
        }
        if (us >= 1000) {
            return String.format(Locale.ROOT, "%.2f ms", us / 1000);
        }
        return String.format(Locale.ROOT, us >= 100 ? "%.0f us" : us >= 10 ? "%.1f us" : "%.2f us", us);
    }
}
