package io.ringfile.bench;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The short report's "Targets (issue 7)" table: one row per target, each from figures measured in the same run
 * ({@link Report}'s main cells, fio's, and the extra runs in targets-points.csv). "ringfile default" is the
 * {@code ringfile io_uring} engine (library defaults on io_uring); "tuned (inline)" is the same engine with
 * {@code inlineCompletion(true)}. The verdict always uses the default figure.
 */
final class Targets {
    static final String DEFAULT = Engine.RINGFILE_IO_URING.label();
    static final String INLINE = Engine.RINGFILE_IO_URING_INLINE.label();
    static final String FILE_CHANNEL = Engine.FILE_CHANNEL.label();
    static final String FIO = Fio.ENGINE;

    /**
     * How far apart a comparator's repeats at one point may be, as (max - min) / min: further apart, the point is
     * measured again (up to {@link #MAX_ATTEMPTS} times in all) and, if they still disagree, the row is "noisy".
     */
    static final double SPREAD_LIMIT = 0.15;
    /** How many times at most a point is measured (each time: forward pass, then reverse pass). */
    static final int MAX_ATTEMPTS = 3;
    /**
     * Spare CPU below this share of the cores, as the median of any one run of the row (Ringfile's or its
     * comparator's), makes the row "noisy": a neighbour took that CPU while the row was measured.
     */
    static final double SPARE_CPU_FRACTION = 0.75;

    // labels of the extra runs (the engine column of targets-points.csv)
    static final String FC_8 = "FileChannel x8thr";
    static final String JOIN_32 = "ringfile io_uring join x32thr";
    static final String RINGS2 = "ringfile io_uring 2 rings";
    static final String RINGS2_INLINE = "ringfile io_uring 2 rings inline";
    static final String FIO_2_JOBS = "fio io_uring 2 jobs"; // Fio.cell of a job with numJobs 2
    static final String JOIN_1024_VIRTUAL = "ringfile io_uring join x1024vthr";
    static final String FC_1024_VIRTUAL = "FileChannel x1024vthr";
    static final String JOIN_READ = "ringfile io_uring join read";
    static final String JOIN_WRITE = "ringfile io_uring join write";

    /** The label of {@code FileChannel} driven by {@code n} platform threads, in the extra runs. */
    static String fileChannelThreads(int n) {
        return "FileChannel x" + n + "thr";
    }

    static final String EXPLANATION = "ringfile default = FileEngine.builder().build() on io_uring (callbacks on "
            + "ForkJoinPool.commonPool()); tuned (inline) = the same with inlineCompletion(true). The verdict uses "
            + "the default figure. Async rows: completion callbacks issue the next operation; join rows: threads "
            + "call read(..).join(). p99 is total latency for both: fio's lat_ns (submission + completion), "
            + "ringfile's from the call to the callback. B/op: heap allocated by all JVM threads per operation. "
            + String.format(Locale.ROOT, "Noise: every comparator runs at least twice at its point (before and after "
            + "Ringfile: a forward then a reverse pass); repeats more than %.0f%% apart ((max - min) / min) make the "
            + "point measured again, %d times in all at most; a row is \"noisy\" instead of PASS/MISS when its "
            + "comparator's repeats still disagree, when spare CPU (cores left by other processes and steal, sampled "
            + "every %d ms from /proc; the lowest median of the row's runs, allocation rows included) fell below %.0f%% "
            + "of the cores, or when fio "
            + "at a higher O_DIRECT queue depth measured more than %.0f%% below fio at a lower one. The comparator "
            + "figure is the mean of the repeats shown.", SPREAD_LIMIT * 100, MAX_ATTEMPTS, CpuSampler.PERIOD_MS,
            SPARE_CPU_FRACTION * 100, SPREAD_LIMIT * 100);

    private Targets() {
    }

    /** The key of a measured point in targets-points.csv. */
    static String point(String workload, String cache, int blockSize, int queueDepth) {
        return workload + "-" + cache + "-" + blockSize + "-" + queueDepth;
    }

    /** What a row compares; says how its figures are printed. */
    enum Measure {
        IOPS("ops/s"), GIBS("GiB/s"), P99("us"), ALLOC("B/op"),
        /** CPU time of the whole process per operation: microseconds, which is CPU seconds per million. */
        CPU("CPU s/M ops");

        final String unit;

        Measure(String unit) {
            this.unit = unit;
        }

        double of(Cell c) {
            if (c == null) {
                return Double.NaN;
            }
            switch (this) {
                case IOPS:
                    return c.opsPerSec;
                case GIBS:
                    return c.gibPerSec;
                case P99:
                    return c.p99us;
                case CPU:
                    return c.cpuUsPerOp;
                default:
                    return c.allocBytesPerOp;
            }
        }

        String format(double v) {
            if (Double.isNaN(v)) {
                return "-";
            }
            switch (this) {
                case IOPS:
                    return String.format(Locale.ROOT, "%.0f k/s", v / 1000);
                case GIBS:
                    return String.format(Locale.ROOT, "%.2f GiB/s", v);
                case P99:
                    return Report.fmtMicros(v);
                case CPU:
                    return String.format(Locale.ROOT, "%.1f CPU s/M", v);
                default:
                    return String.format(Locale.ROOT, "%.0f B/op", v);
            }
        }
    }

    /** Everything one run measured. */
    static final class Inputs {
        List<Cell> cells = new ArrayList<>();
        List<Cell> fio = new ArrayList<>();
        boolean fioRan;
        final Map<String, List<Cell>> extras = new HashMap<>();
        final Map<String, String> notes = new HashMap<>();
        /** Every run at every point, each attempt and pass, from repeats.csv (empty for older results). */
        final Map<String, List<Repeat>> repeats = new HashMap<>();
        int cores;

        /** Adds the runs of repeats.csv, when it exists. */
        Inputs withRepeats(Path repeatsCsv) throws IOException {
            if (!Files.exists(repeatsCsv)) {
                return this;
            }
            for (String line : Files.readAllLines(repeatsCsv, StandardCharsets.UTF_8)) {
                if (line.startsWith("# cores: ")) {
                    cores = Integer.parseInt(line.substring("# cores: ".length()).strip());
                } else if (!line.startsWith("#") && !line.startsWith("point,") && !line.isBlank()) {
                    Repeat r = Repeat.parse(line);
                    repeats.computeIfAbsent(r.point, k -> new ArrayList<>()).add(r);
                }
            }
            return this;
        }

        /** The runs labelled {@code label} at {@code point} in the last attempt that ran it. */
        List<Repeat> latest(String point, String label) {
            List<Repeat> all = new ArrayList<>();
            int attempt = 0;
            for (Repeat r : repeats.getOrDefault(point, List.of())) {
                if (r.cell.engine.equals(label)) {
                    if (r.attempt > attempt) {
                        all.clear();
                        attempt = r.attempt;
                    }
                    if (r.attempt == attempt) {
                        all.add(r);
                    }
                }
            }
            return all;
        }

        static Inputs read(List<Cell> cells, List<Cell> fio, Path targetsPoints) throws IOException {
            Inputs in = new Inputs();
            in.cells = cells;
            in.fio = fio;
            in.fioRan = !fio.isEmpty();
            if (!Files.exists(targetsPoints)) {
                return in;
            }
            for (String line : Files.readAllLines(targetsPoints, StandardCharsets.UTF_8)) {
                if (line.startsWith("# note: ")) {
                    String note = line.substring("# note: ".length());
                    int colon = note.indexOf(": ");
                    in.notes.put(note.substring(0, colon), note.substring(colon + 2));
                } else if (line.startsWith("# fio: installed")) {
                    in.fioRan = true;
                } else if (!line.startsWith("#") && !line.startsWith("point,") && !line.isBlank()) {
                    int comma = line.indexOf(',');
                    in.extras.computeIfAbsent(line.substring(0, comma), k -> new ArrayList<>())
                            .addAll(Cell.parse(List.of(line.substring(comma + 1))));
                }
            }
            return in;
        }

        Cell main(String workload, String cache, int blockSize, int queueDepth, String engine) {
            for (Cell c : cells) {
                if (c.workload.equals(workload) && c.cache.equals(cache) && c.blockSize == blockSize
                        && c.queueDepth == queueDepth && c.engine.equals(engine)) {
                    return c;
                }
            }
            return null;
        }

        Cell fio(String workload, String cache, int blockSize, int queueDepth) {
            for (Cell c : fio) {
                if (c.workload.equals(workload) && c.cache.equals(cache) && c.blockSize == blockSize
                        && c.queueDepth == queueDepth) {
                    return c;
                }
            }
            return null;
        }

        Cell extra(String point, String label) {
            for (Cell c : extras.getOrDefault(point, List.of())) {
                if (c.engine.equals(label)) {
                    return c;
                }
            }
            return null;
        }

        /** Why a run of the engine labelled {@code label} has no figure. */
        String missing(String label) {
            return notes.getOrDefault(label, "not measured");
        }

        String fioMissing() {
            return fioRan ? "fio failed (see the log)" : "fio not installed";
        }
    }

    /** One measured run at a point (a line of repeats.csv): which attempt and pass, what the CPU was doing. */
    static final class Repeat {
        static final String HEADER = "point,attempt,pass,spareCpuMin,spareCpuMedian,stealMax," + Cell.HEADER;

        String point;
        int attempt;
        int pass;
        double spareMin = Double.NaN;
        double spareMedian = Double.NaN;
        double stealMax = Double.NaN;
        Cell cell;

        String toCsv() {
            return String.join(",", point, Integer.toString(attempt), Integer.toString(pass), num(spareMin),
                    num(spareMedian), num(stealMax), cell.toCsv());
        }

        static Repeat parse(String line) {
            String[] f = line.split(",", 7);
            Repeat r = new Repeat();
            r.point = f[0];
            r.attempt = Integer.parseInt(f[1]);
            r.pass = Integer.parseInt(f[2]);
            r.spareMin = f[3].isEmpty() ? Double.NaN : Double.parseDouble(f[3]);
            r.spareMedian = f[4].isEmpty() ? Double.NaN : Double.parseDouble(f[4]);
            r.stealMax = f[5].isEmpty() ? Double.NaN : Double.parseDouble(f[5]);
            r.cell = Cell.parse(List.of(f[6])).get(0);
            return r;
        }
    }

    /** (max - min) / min of {@code values}; NaN for fewer than two. */
    static double spread(List<Double> values) {
        if (values.size() < 2) {
            return Double.NaN;
        }
        double min = Double.POSITIVE_INFINITY;
        double max = Double.NEGATIVE_INFINITY;
        for (double v : values) {
            min = Math.min(min, v);
            max = Math.max(max, v);
        }
        return min > 0 ? (max - min) / min : max > min ? Double.POSITIVE_INFINITY : 0;
    }

    /**
     * Why a row's figures don't hold, or null if they do: its comparator's repeats further apart than
     * {@link #SPREAD_LIMIT}, spare CPU (the lowest median of the row's runs, in cores) under {@link #SPARE_CPU_FRACTION}
     * of {@code cores}, or {@code inversion} (a sign of load found elsewhere, such as fio measuring less at a higher
     * queue depth). Unknown figures (NaN, no cores) say nothing.
     */
    static String noise(List<Double> comparatorRepeats, double spareCpu, int cores, String inversion) {
        List<String> why = new ArrayList<>();
        double spread = spread(comparatorRepeats);
        if (spread > SPREAD_LIMIT) {
            why.add(String.format(Locale.ROOT, "comparator's repeats %.0f%% apart (limit %.0f%%)", spread * 100,
                    SPREAD_LIMIT * 100));
        }
        if (cores > 0 && spareCpu < SPARE_CPU_FRACTION * cores) {
            why.add(String.format(Locale.ROOT, "spare CPU %.2f of %d cores (limit %.2f)", spareCpu, cores,
                    SPARE_CPU_FRACTION * cores));
        }
        if (inversion != null) {
            why.add(inversion);
        }
        return why.isEmpty() ? null : String.join("; ", why);
    }

    /**
     * O_DIRECT points where fio measured less at a higher queue depth than at a lower one (by more than
     * {@link #SPREAD_LIMIT}), keyed by the higher point: the device does not slow down with more reads in flight, so
     * fio was starved of CPU. Page-cache points are left out: there one fio job is bound by its own CPU and may
     * legitimately slow down with depth (sequential 1 MiB reads at QD 32 below QD 8 on a quiet machine).
     */
    static Map<String, String> inversions(List<Cell> fio) {
        Map<String, String> found = new HashMap<>();
        for (Cell high : fio) {
            for (Cell low : fio) {
                if (!high.cache.equals("DIRECT") || !high.engine.equals(FIO) || !low.engine.equals(FIO)
                        || !high.cache.equals(low.cache) || !high.workload.equals(low.workload)
                        || high.blockSize != low.blockSize || high.queueDepth <= low.queueDepth) {
                    continue;
                }
                if (high.opsPerSec < low.opsPerSec * (1 - SPREAD_LIMIT)) {
                    found.put(point(high.workload, high.cache, high.blockSize, high.queueDepth),
                            String.format(Locale.ROOT, "fio at QD%d measured %.0f%% below fio at QD%d",
                                    high.queueDepth, (1 - high.opsPerSec / low.opsPerSec) * 100, low.queueDepth));
                }
            }
        }
        return found;
    }

    /** Fills each row's repeats, spare CPU and noise from the run's repeats.csv (nothing for older results). */
    static void judge(List<Row> rows, Inputs in) {
        Map<String, String> inversions = inversions(in.fio);
        for (Row r : rows) {
            r.cores = in.cores;
            // allocation rows have no comparator, but their B/op rises under load too (a join that parks allocates)
            List<Repeat> comparator = r.comparatorLabel == null ? List.of() : in.latest(r.point, r.comparatorLabel);
            List<Repeat> runs = new ArrayList<>(comparator);
            runs.addAll(in.latest(r.point, r.ringfileLabel));
            List<Double> values = new ArrayList<>();
            for (Repeat c : comparator) {
                values.add(r.measure.of(c.cell));
                r.attempts = Math.max(r.attempts, c.attempt);
            }
            r.comparatorRepeats = values;
            for (Repeat run : runs) {
                if (!Double.isNaN(run.spareMedian)) {
                    r.spareRow = Double.isNaN(r.spareRow) ? run.spareMedian : Math.min(r.spareRow, run.spareMedian);
                    r.spareMin = Double.isNaN(r.spareMin) ? run.spareMin : Math.min(r.spareMin, run.spareMin);
                    r.stealMax = Double.isNaN(r.stealMax) ? run.stealMax : Math.max(r.stealMax, run.stealMax);
                }
            }
            String inversion = FIO.equals(r.comparatorLabel) ? inversions.get(r.point) : null;
            r.noise = noise(values, r.spareRow, Double.isNaN(r.spareRow) ? 0 : in.cores, inversion);
        }
    }

    /** One target. */
    static final class Row {
        String id;
        String point;              // where its runs took place (the key of repeats.csv)
        String ringfileLabel;
        String comparatorLabel;    // the engine label of the comparator's runs; null without one
        /** The comparator's figures at the attempt the row uses: at least two when the run repeated it. */
        List<Double> comparatorRepeats = List.of();
        int attempts;
        /** Spare CPU in cores: the lowest sample, and the lowest per-run median, over the row's runs. */
        double spareMin = Double.NaN;
        double spareRow = Double.NaN;
        double stealMax = Double.NaN;
        int cores;
        /** Why the row's verdict is "noisy"; null when its figures can be trusted. */
        String noise;
        String workload;
        Measure measure;
        double ringfile = Double.NaN;
        double tuned = Double.NaN;
        String ringfileMissing;
        String comparator = "-";   // what the ringfile figure is divided by
        double comparatorValue = Double.NaN;
        String comparatorMissing;
        boolean atMost;
        double target;

        /** The figure the target applies to: a ratio, or the allocation itself. */
        double value() {
            return measure == Measure.ALLOC ? ringfile : ringfile / comparatorValue;
        }

        /** PASS or MISS as measured, whatever the noise; n/a without figures. */
        String measuredVerdict() {
            double v = value();
            if (Double.isNaN(v) || Double.isInfinite(v)) {
                return "n/a";
            }
            return (atMost ? v <= target : v >= target) ? "PASS" : "MISS";
        }

        /** PASS, MISS, n/a, or "noisy" when the comparator's repeats or the spare CPU say the figures don't hold. */
        String verdict() {
            String measured = measuredVerdict();
            return noise != null && !measured.equals("n/a") ? "noisy" : measured;
        }

        /** The verdict, and why there is none when the ringfile figure is missing (last column: may be long). */
        String resultText() {
            if (ringfileMissing != null) {
                return "n/a: " + ringfileMissing;
            }
            String v = verdict();
            return v.equals("noisy") ? "noisy (" + measuredVerdict() + " as measured): " + noise : v;
        }

        String repeatsText() {
            if (comparatorRepeats.isEmpty()) {
                return "-";
            }
            List<String> parts = new ArrayList<>();
            for (double d : comparatorRepeats) {
                parts.add(measure.format(d));
            }
            return String.join(", ", parts) + (attempts > 1 ? " (attempt " + attempts + ")" : "");
        }

        String spreadText() {
            double s = spread(comparatorRepeats);
            return Double.isNaN(s) ? "-" : String.format(Locale.ROOT, "%.0f%%", s * 100);
        }

        String spareText() {
            if (Double.isNaN(spareRow)) {
                return "-";
            }
            return String.format(Locale.ROOT, "%.2f (min %.2f) of %d", spareRow, spareMin, cores)
                    + (stealMax >= 0.05 ? String.format(Locale.ROOT, ", steal %.2f", stealMax) : "");
        }

        String tunedText() {
            return measure.format(tuned);
        }

        String comparatorText() {
            if (comparator.equals("-")) {
                return "-";
            }
            return comparator + ": " + (Double.isNaN(comparatorValue) && comparatorMissing != null
                    ? comparatorMissing : measure.format(comparatorValue));
        }

        String ratioText() {
            double v = value();
            return measure == Measure.ALLOC || Double.isNaN(v) || Double.isInfinite(v) ? "-"
                    : String.format(Locale.ROOT, "%.2f", v);
        }

        String targetText() {
            return (atMost ? "<= " : ">= ") + (measure == Measure.ALLOC
                    ? String.format(Locale.ROOT, "%.0f B/op", target) : String.format(Locale.ROOT, "%.2f", target));
        }
    }

    static List<Row> rows(Inputs in) {
        List<Row> rows = new ArrayList<>();
        // 1, 2: O_DIRECT random 4 KiB at 32 and 128 in flight
        String[] ids = {"1", "2"};
        int[] depths = {32, 128};
        for (int k = 0; k < depths.length; k++) {
            int qd = depths[k];
            String where = "O_DIRECT rand 4k, " + qd + " in flight";
            Cell ringfile = in.main("randread", "DIRECT", 4096, qd, DEFAULT);
            Cell tuned = in.main("randread", "DIRECT", 4096, qd, INLINE);
            Cell fio = in.fio("randread", "DIRECT", 4096, qd);
            Cell fc = in.extra(point("randread", "DIRECT", 4096, qd), FC_8);
            String at = point("randread", "DIRECT", 4096, qd);
            rows.add(row(ids[k] + "a", where + ": IOPS", Measure.IOPS, ringfile, tuned, DEFAULT, in, at, FIO,
                    "fio 1 job QD" + qd, Measure.IOPS.of(fio), fio == null ? in.fioMissing() : null, false, 0.9));
            rows.add(row(ids[k] + "b", where + ": IOPS", Measure.IOPS, ringfile, tuned, DEFAULT, in, at, FC_8,
                    "FileChannel DIRECT x8 threads", Measure.IOPS.of(fc), fc == null ? in.missing(FC_8) : null,
                    false, 1.5));
            rows.add(row(ids[k] + "c", where + ": p99", Measure.P99, ringfile, tuned, DEFAULT, in, at, FIO,
                    "fio p99 (1 job QD" + qd + ")", fio == null ? Double.NaN : fio.p99us,
                    fio == null ? in.fioMissing() : null, true, 1.25));
        }
        // 3: O_DIRECT sequential 1 MiB, 8 in flight
        Cell fioSeqDirect = in.fio("seqread", "DIRECT", 1 << 20, 8);
        rows.add(row("3", "O_DIRECT seq 1m, 8 in flight: GiB/s", Measure.GIBS,
                in.main("seqread", "DIRECT", 1 << 20, 8, DEFAULT), in.main("seqread", "DIRECT", 1 << 20, 8, INLINE),
                DEFAULT, in, point("seqread", "DIRECT", 1 << 20, 8), FIO, "fio 1 job QD8", Measure.GIBS.of(fioSeqDirect),
                fioSeqDirect == null ? in.fioMissing() : null, false, 0.9));
        // 4: page cache random 4 KiB, 128 in flight from callbacks, exactly 2 rings
        String hot128 = point("randread", "HOT", 4096, 128);
        Cell rings2 = in.extra(hot128, RINGS2);
        Cell rings2Inline = in.extra(hot128, RINGS2_INLINE);
        Cell fio2 = in.extra(hot128, FIO_2_JOBS);
        Cell fc128 = in.main("randread", "HOT", 4096, 128, FILE_CHANNEL);
        String where4 = "page cache rand 4k, 128 in flight, async, 2 rings: IOPS";
        rows.add(row("4a", where4, Measure.IOPS, rings2, rings2Inline, RINGS2, in, hot128, FIO_2_JOBS,
                "fio 2 jobs x QD64",
                Measure.IOPS.of(fio2), fio2 == null ? in.fioMissing() : null, false, 0.85));
        rows.add(row("4b", where4, Measure.IOPS, rings2, rings2Inline, RINGS2, in, hot128, FILE_CHANNEL,
                "FileChannel x128 threads",
                Measure.IOPS.of(fc128), fc128 == null ? in.missing(FILE_CHANNEL) : null, false, 1.2));
        // 5: page cache sequential 1 MiB at 1 and 8 in flight
        String[] ids5 = {"5a", "5b"};
        int[] depths5 = {1, 8};
        for (int k = 0; k < depths5.length; k++) {
            int qd = depths5[k];
            Cell fio = in.fio("seqread", "HOT", 1 << 20, qd);
            rows.add(row(ids5[k], "page cache seq 1m, " + qd + " in flight: GiB/s", Measure.GIBS,
                    in.main("seqread", "HOT", 1 << 20, qd, DEFAULT), in.main("seqread", "HOT", 1 << 20, qd, INLINE),
                    DEFAULT, in, point("seqread", "HOT", 1 << 20, qd), FIO, "fio 1 job QD" + qd, Measure.GIBS.of(fio), fio == null ? in.fioMissing() : null,
                    false, 0.9));
        }
        // 6: 32 platform threads joining, page cache
        Cell fc32 = in.main("randread", "HOT", 4096, 32, FILE_CHANNEL);
        rows.add(row("6", "page cache rand 4k, 32 threads read().join(): IOPS", Measure.IOPS,
                in.extra(point("randread", "HOT", 4096, 32), JOIN_32), null, JOIN_32, in,
                point("randread", "HOT", 4096, 32), FILE_CHANNEL, "FileChannel x32 threads",
                Measure.IOPS.of(fc32), fc32 == null ? in.missing(FILE_CHANNEL) : null, false, 0.7));
        // 7: 1,024 virtual threads joining, O_DIRECT
        String virtual = point("randread", "DIRECT", 4096, 1024);
        Cell fcVirtual = in.extra(virtual, FC_1024_VIRTUAL);
        rows.add(row("7", "O_DIRECT rand 4k, 1024 virtual threads read().join(): IOPS", Measure.IOPS,
                in.extra(virtual, JOIN_1024_VIRTUAL), null, JOIN_1024_VIRTUAL, in, virtual, FC_1024_VIRTUAL,
                "FileChannel DIRECT x1024 virtual threads", Measure.IOPS.of(fcVirtual),
                fcVirtual == null ? in.missing(FC_1024_VIRTUAL) : null, false, 1.0));
        // 8: allocation per positional read / write, one caller joining at queue depth 1
        String alloc = point("randread", "HOT", 4096, 1);
        rows.add(row("8a", "read, direct buffer, 1 thread read().join(): B/op", Measure.ALLOC,
                in.extra(alloc, JOIN_READ), null, JOIN_READ, in, alloc, null, "-", Double.NaN, null, true, 128));
        rows.add(row("8b", "write, direct buffer, 1 thread write().join(): B/op", Measure.ALLOC,
                in.extra(alloc, JOIN_WRITE), null, JOIN_WRITE, in, alloc, null, "-", Double.NaN, null, true, 128));
        // 9: buffered sequential 1 MiB writes at 1 and 8 in flight (issue 16)
        String[] ids9 = {"9a", "9b", "9c", "9d"};
        int[] depths9 = {1, 8};
        for (int k = 0; k < depths9.length; k++) {
            int qd = depths9[k];
            String at = point("seqwrite", "HOT", 1 << 20, qd);
            String where = "page cache seq 1m write, " + qd + " in flight: GiB/s";
            Cell fc = in.extra(at, fileChannelThreads(1));
            Cell fio = in.extra(at, FIO);
            rows.add(row(ids9[2 * k], where, Measure.GIBS, in.extra(at, DEFAULT), in.extra(at, INLINE), DEFAULT, in,
                    at, fileChannelThreads(1), "FileChannel x1 thread", Measure.GIBS.of(fc),
                    fc == null ? in.missing(fileChannelThreads(1)) : null, false, 0.8));
            rows.add(row(ids9[2 * k + 1], where, Measure.GIBS, in.extra(at, DEFAULT), in.extra(at, INLINE), DEFAULT,
                    in, at, FIO, "fio 1 job QD" + qd, Measure.GIBS.of(fio), fio == null ? in.fioMissing() : null,
                    false, 1.0));
        }
        // 10: a log's records: append 4 KiB, then force(false), by 1 and 16 writers
        String[] ids10 = {"10a", "10b", "10c", "10d"};
        int[] writers10 = {1, 16};
        for (int k = 0; k < writers10.length; k++) {
            int n = writers10[k];
            String at = point("append", "HOT", 4096, n);
            String where = "append 4k + force(false), " + n + (n == 1 ? " writer" : " writers");
            String fcLabel = fileChannelThreads(n);
            Cell fc = in.extra(at, fcLabel);
            String fcName = "FileChannel x" + n + (n == 1 ? " thread" : " threads");
            rows.add(row(ids10[2 * k], where + ": records/s", Measure.IOPS, in.extra(at, DEFAULT),
                    in.extra(at, INLINE), DEFAULT, in, at, fcLabel, fcName, Measure.IOPS.of(fc),
                    fc == null ? in.missing(fcLabel) : null, false, 1.0));
            rows.add(row(ids10[2 * k + 1], where + ": p99", Measure.P99, in.extra(at, DEFAULT), in.extra(at, INLINE),
                    DEFAULT, in, at, fcLabel, fcName + " p99", Measure.P99.of(fc),
                    fc == null ? in.missing(fcLabel) : null, true, 1.0));
        }
        // 11: random 4 KiB overwrites of a cached file, 32 in flight
        String rand32 = point("randwrite", "HOT", 4096, 32);
        Cell fioRandWrite = in.extra(rand32, FIO);
        Cell fcRandWrite = in.extra(rand32, fileChannelThreads(32));
        String where11 = "page cache rand 4k write, 32 in flight: IOPS";
        rows.add(row("11a", where11, Measure.IOPS, in.extra(rand32, DEFAULT), in.extra(rand32, INLINE), DEFAULT, in,
                rand32, FIO, "fio 1 job QD32", Measure.IOPS.of(fioRandWrite),
                fioRandWrite == null ? in.fioMissing() : null, false, 1.0));
        rows.add(row("11b", where11, Measure.IOPS, in.extra(rand32, DEFAULT), in.extra(rand32, INLINE), DEFAULT, in,
                rand32, fileChannelThreads(32), "FileChannel x32 threads", Measure.IOPS.of(fcRandWrite),
                fcRandWrite == null ? in.missing(fileChannelThreads(32)) : null, false, 0.8));
        // 12: CPU per O_DIRECT read at the device's pace, against 32 threads; both IOPS shown to judge "equal IOPS"
        String direct32 = point("randread", "DIRECT", 4096, 32);
        Cell ringfileDirect = in.main("randread", "DIRECT", 4096, 32, DEFAULT);
        Cell fcDirect32 = in.extra(direct32, fileChannelThreads(32));
        rows.add(row("12", "O_DIRECT rand 4k, 32 in flight: CPU per read", Measure.CPU, ringfileDirect,
                in.main("randread", "DIRECT", 4096, 32, INLINE), DEFAULT, in, direct32, fileChannelThreads(32),
                "FileChannel DIRECT x32 threads" + (ringfileDirect == null || fcDirect32 == null ? ""
                        : String.format(Locale.ROOT, " (at %.0f k/s; ringfile at %.0f k/s)",
                        fcDirect32.opsPerSec / 1000, ringfileDirect.opsPerSec / 1000)),
                Measure.CPU.of(fcDirect32), fcDirect32 == null ? in.missing(fileChannelThreads(32)) : null, true,
                0.5));
        judge(rows, in);
        return rows;
    }

    private static Row row(String id, String workload, Measure measure, Cell ringfile, Cell tuned,
                           String ringfileLabel, Inputs in, String point, String comparatorLabel, String comparator,
                           double comparatorValue, String comparatorMissing, boolean atMost, double target) {
        Row r = new Row();
        r.id = id;
        r.point = point;
        r.ringfileLabel = ringfileLabel;
        r.comparatorLabel = comparatorLabel;
        r.workload = workload;
        r.measure = measure;
        r.ringfile = measure.of(ringfile);
        r.tuned = measure.of(tuned);
        r.ringfileMissing = ringfile == null ? in.missing(ringfileLabel) : null;
        r.comparator = comparator;
        r.comparatorValue = comparatorValue;
        r.comparatorMissing = comparatorMissing;
        r.atMost = atMost;
        r.target = target;
        return r;
    }

    private static final String[] HEADER = {"#", "workload", "ringfile default", "tuned (inline)", "comparator",
        "ratio", "target", "comparator repeats", "spread", "spare CPU (min) of cores", "result"};

    private static String[] cells(Row r) {
        return new String[] {r.id, r.workload, r.measure.format(r.ringfile), r.tunedText(), r.comparatorText(),
            r.ratioText(), r.targetText(), r.repeatsText(), r.spreadText(), r.spareText(), r.resultText()};
    }

    /** Fixed-width text, for the terminal. */
    static String text(List<Row> rows) {
        int[] width = new int[HEADER.length];
        List<String[]> all = new ArrayList<>();
        all.add(HEADER);
        for (Row r : rows) {
            all.add(cells(r));
        }
        for (String[] line : all) {
            for (int i = 0; i < line.length; i++) {
                width[i] = Math.max(width[i], line[i].length());
            }
        }
        StringBuilder sb = new StringBuilder();
        for (String[] line : all) {
            StringBuilder l = new StringBuilder();
            for (int i = 0; i < line.length; i++) {
                boolean right = i == 2 || i == 3 || i == 5 || i == 8; // figures
                l.append(i == 0 ? "" : "  ").append(String.format(Locale.ROOT,
                        "%" + (right ? "" : "-") + width[i] + "s", line[i]));
            }
            sb.append(l.toString().stripTrailing()).append('\n');
        }
        return sb.toString();
    }

    static String markdown(List<Row> rows) {
        StringBuilder sb = new StringBuilder("| " + String.join(" | ", HEADER) + " |\n");
        sb.append("|---|---|--:|--:|---|--:|---|---|--:|---|---|\n");
        for (Row r : rows) {
            sb.append("| ").append(String.join(" | ", cells(r)).replace("<=", "&le;").replace(">=", "&ge;"))
                    .append(" |\n");
        }
        return sb.toString();
    }

    static List<String> csv(List<Row> rows, String date, String command) {
        List<String> lines = new ArrayList<>();
        lines.add("# date: " + date);
        lines.add("# command: " + command);
        lines.add("row,workload,unit,ringfileDefault,tunedInline,comparator,comparatorValue,ratio,targetOp,target,"
                + "result,note,comparatorRepeats,spread,spareCpuRow,spareCpuMin,stealMax,cores,measuredResult");
        for (Row r : rows) {
            double v = r.value();
            String note = r.ringfileMissing != null ? r.ringfileMissing
                    : r.comparatorMissing != null ? r.comparatorMissing : "";
            lines.add(String.join(",", r.id, quote(r.workload), r.measure.unit, num(r.ringfile), num(r.tuned),
                    quote(r.comparator), num(r.comparatorValue),
                    r.measure == Measure.ALLOC ? "" : num(v), r.atMost ? "<=" : ">=", num(r.target), r.verdict(),
                    quote(r.noise != null ? r.noise + (note.isEmpty() ? "" : "; " + note) : note),
                    repeats(r.comparatorRepeats), num(spread(r.comparatorRepeats)), num(r.spareRow), num(r.spareMin),
                    num(r.stealMax), r.cores == 0 ? "" : Integer.toString(r.cores), r.measuredVerdict()));
        }
        return lines;
    }

    private static String repeats(List<Double> values) {
        List<String> parts = new ArrayList<>();
        for (double v : values) {
            parts.add(num(v));
        }
        return String.join(";", parts);
    }

    static String num(double v) {
        return Double.isNaN(v) || Double.isInfinite(v) ? "" : String.format(Locale.ROOT, "%.4f", v);
    }

    private static String quote(String s) {
        return s.contains(",") || s.contains("\"") ? "\"" + s.replace("\"", "\"\"") + "\"" : s;
    }
}
