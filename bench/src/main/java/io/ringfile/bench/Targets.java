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

    static final String EXPLANATION = "ringfile default = FileEngine.builder().build() on io_uring (callbacks on "
            + "ForkJoinPool.commonPool()); tuned (inline) = the same with inlineCompletion(true). The verdict uses "
            + "the default figure. Async rows: completion callbacks issue the next operation; join rows: threads "
            + "call read(..).join(). p99 is total latency for both: fio's lat_ns (submission + completion), "
            + "ringfile's from the call to the callback. B/op: heap allocated by all JVM threads per operation.";

    private Targets() {
    }

    /** The key of a measured point in targets-points.csv. */
    static String point(String workload, String cache, int blockSize, int queueDepth) {
        return workload + "-" + cache + "-" + blockSize + "-" + queueDepth;
    }

    /** What a row compares; says how its figures are printed. */
    enum Measure {
        IOPS("ops/s"), GIBS("GiB/s"), P99("us"), ALLOC("B/op");

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

    /** One target. */
    static final class Row {
        String id;
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

        String verdict() {
            double v = value();
            if (Double.isNaN(v) || Double.isInfinite(v)) {
                return "n/a";
            }
            return (atMost ? v <= target : v >= target) ? "PASS" : "MISS";
        }

        /** The verdict, and why there is none when the ringfile figure is missing (last column: may be long). */
        String resultText() {
            return ringfileMissing != null ? "n/a: " + ringfileMissing : verdict();
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
            rows.add(row(ids[k] + "a", where + ": IOPS", Measure.IOPS, ringfile, tuned, DEFAULT, in,
                    "fio 1 job QD" + qd, Measure.IOPS.of(fio), fio == null ? in.fioMissing() : null, false, 0.9));
            rows.add(row(ids[k] + "b", where + ": IOPS", Measure.IOPS, ringfile, tuned, DEFAULT, in,
                    "FileChannel DIRECT x8 threads", Measure.IOPS.of(fc), fc == null ? in.missing(FC_8) : null,
                    false, 1.5));
            rows.add(row(ids[k] + "c", where + ": p99", Measure.P99, ringfile, tuned, DEFAULT, in,
                    "fio p99 (1 job QD" + qd + ")", fio == null ? Double.NaN : fio.p99us,
                    fio == null ? in.fioMissing() : null, true, 1.25));
        }
        // 3: O_DIRECT sequential 1 MiB, 8 in flight
        Cell fioSeqDirect = in.fio("seqread", "DIRECT", 1 << 20, 8);
        rows.add(row("3", "O_DIRECT seq 1m, 8 in flight: GiB/s", Measure.GIBS,
                in.main("seqread", "DIRECT", 1 << 20, 8, DEFAULT), in.main("seqread", "DIRECT", 1 << 20, 8, INLINE),
                DEFAULT, in, "fio 1 job QD8", Measure.GIBS.of(fioSeqDirect),
                fioSeqDirect == null ? in.fioMissing() : null, false, 0.9));
        // 4: page cache random 4 KiB, 128 in flight from callbacks, exactly 2 rings
        String hot128 = point("randread", "HOT", 4096, 128);
        Cell rings2 = in.extra(hot128, RINGS2);
        Cell rings2Inline = in.extra(hot128, RINGS2_INLINE);
        Cell fio2 = in.extra(hot128, FIO_2_JOBS);
        Cell fc128 = in.main("randread", "HOT", 4096, 128, FILE_CHANNEL);
        String where4 = "page cache rand 4k, 128 in flight, async, 2 rings: IOPS";
        rows.add(row("4a", where4, Measure.IOPS, rings2, rings2Inline, RINGS2, in, "fio 2 jobs x QD64",
                Measure.IOPS.of(fio2), fio2 == null ? in.fioMissing() : null, false, 0.85));
        rows.add(row("4b", where4, Measure.IOPS, rings2, rings2Inline, RINGS2, in, "FileChannel x128 threads",
                Measure.IOPS.of(fc128), fc128 == null ? in.missing(FILE_CHANNEL) : null, false, 1.2));
        // 5: page cache sequential 1 MiB at 1 and 8 in flight
        String[] ids5 = {"5a", "5b"};
        int[] depths5 = {1, 8};
        for (int k = 0; k < depths5.length; k++) {
            int qd = depths5[k];
            Cell fio = in.fio("seqread", "HOT", 1 << 20, qd);
            rows.add(row(ids5[k], "page cache seq 1m, " + qd + " in flight: GiB/s", Measure.GIBS,
                    in.main("seqread", "HOT", 1 << 20, qd, DEFAULT), in.main("seqread", "HOT", 1 << 20, qd, INLINE),
                    DEFAULT, in, "fio 1 job QD" + qd, Measure.GIBS.of(fio), fio == null ? in.fioMissing() : null,
                    false, 0.9));
        }
        // 6: 32 platform threads joining, page cache
        Cell fc32 = in.main("randread", "HOT", 4096, 32, FILE_CHANNEL);
        rows.add(row("6", "page cache rand 4k, 32 threads read().join(): IOPS", Measure.IOPS,
                in.extra(point("randread", "HOT", 4096, 32), JOIN_32), null, JOIN_32, in, "FileChannel x32 threads",
                Measure.IOPS.of(fc32), fc32 == null ? in.missing(FILE_CHANNEL) : null, false, 0.7));
        // 7: 1,024 virtual threads joining, O_DIRECT
        String virtual = point("randread", "DIRECT", 4096, 1024);
        Cell fcVirtual = in.extra(virtual, FC_1024_VIRTUAL);
        rows.add(row("7", "O_DIRECT rand 4k, 1024 virtual threads read().join(): IOPS", Measure.IOPS,
                in.extra(virtual, JOIN_1024_VIRTUAL), null, JOIN_1024_VIRTUAL, in,
                "FileChannel DIRECT x1024 virtual threads", Measure.IOPS.of(fcVirtual),
                fcVirtual == null ? in.missing(FC_1024_VIRTUAL) : null, false, 1.0));
        // 8: allocation per positional read / write, one caller joining at queue depth 1
        String alloc = point("randread", "HOT", 4096, 1);
        rows.add(row("8a", "read, direct buffer, 1 thread read().join(): B/op", Measure.ALLOC,
                in.extra(alloc, JOIN_READ), null, JOIN_READ, in, "-", Double.NaN, null, true, 128));
        rows.add(row("8b", "write, direct buffer, 1 thread write().join(): B/op", Measure.ALLOC,
                in.extra(alloc, JOIN_WRITE), null, JOIN_WRITE, in, "-", Double.NaN, null, true, 128));
        return rows;
    }

    private static Row row(String id, String workload, Measure measure, Cell ringfile, Cell tuned,
                           String ringfileLabel, Inputs in, String comparator, double comparatorValue,
                           String comparatorMissing, boolean atMost, double target) {
        Row r = new Row();
        r.id = id;
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
        "ratio", "target", "result"};

    private static String[] cells(Row r) {
        return new String[] {r.id, r.workload, r.measure.format(r.ringfile), r.tunedText(), r.comparatorText(),
            r.ratioText(), r.targetText(), r.resultText()};
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
                boolean right = i == 2 || i == 3 || i == 5; // figures
                l.append(i == 0 ? "" : "  ").append(String.format(Locale.ROOT,
                        "%" + (right ? "" : "-") + width[i] + "s", line[i]));
            }
            sb.append(l.toString().stripTrailing()).append('\n');
        }
        return sb.toString();
    }

    static String markdown(List<Row> rows) {
        StringBuilder sb = new StringBuilder("| " + String.join(" | ", HEADER) + " |\n");
        sb.append("|---|---|--:|--:|---|--:|---|---|\n");
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
                + "result,note");
        for (Row r : rows) {
            double v = r.value();
            String note = r.ringfileMissing != null ? r.ringfileMissing
                    : r.comparatorMissing != null ? r.comparatorMissing : "";
            lines.add(String.join(",", r.id, quote(r.workload), r.measure.unit, num(r.ringfile), num(r.tuned),
                    quote(r.comparator), num(r.comparatorValue),
                    r.measure == Measure.ALLOC ? "" : num(v), r.atMost ? "<=" : ">=", num(r.target), r.verdict(),
                    quote(note)));
        }
        return lines;
    }

    private static String num(double v) {
        return Double.isNaN(v) || Double.isInfinite(v) ? "" : String.format(Locale.ROOT, "%.4f", v);
    }

    private static String quote(String s) {
        return s.contains(",") || s.contains("\"") ? "\"" + s.replace("\"", "\"\"") + "\"" : s;
    }
}
