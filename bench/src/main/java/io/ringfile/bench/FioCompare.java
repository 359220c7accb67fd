package io.ringfile.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Random;
import java.util.TreeSet;
import java.util.stream.Stream;

/**
 * fio side by side (bench/fio-compare.sh): runs fio's io_uring engine on the same workloads as Ringfile's benchmarks
 * and prints Ringfile's figures as ratios of fio's.
 *
 * <pre>
 * FioCompare --report CSV [--file DATA] [--out CSV]
 *     the short report's report.csv; fio runs on DATA (the file the report measured) or, without --file, on a new
 *     file of the size the report recorded; writes fio.csv beside the input unless --out
 * FioCompare --jmh JSON [--file DATA] [--out CSV] [--tmpdir DIR]
 *     a JMH result file (-rf json); fio runs on files of the same sizes, made under DIR; writes jmh-fio.csv
 * FioCompare --one --file DATA [--rw randread] [--bs 4096] [--qd 1] [--numjobs 1] [--direct 0]
 *     one fio run printed as one CSV line of the short report's format; with --numjobs N, N jobs of --qd each,
 *     summed, labelled "fio io_uring N jobs" with queueDepth N x qd
 * common: --runtime S (1.5 s measured per point), --ramp S (0.5 s before measuring)
 * </pre>
 *
 * For every distinct (workload, block size, queue depth, cache mode) fio runs once with the same block size and
 * iodepth, --direct=1 for O_DIRECT results; page-cache results get --direct=0 --invalidate=0 on a file read once
 * before, so fio reads from the page cache as the Java engines did.
 */
public final class FioCompare {
    private static final Map<String, String> JMH_KINDS = Map.of(
            "SequentialReadBenchmark", "read",
            "RandomReadBenchmark", "randread",
            "MixedReadWriteBenchmark", "randrw",
            "SequentialWriteBenchmark", "write");

    private final Map<String, String> options;
    private final double runtime;
    private final double ramp;

    private FioCompare(Map<String, String> options) {
        this.options = options;
        this.runtime = Double.parseDouble(options.getOrDefault("runtime", "1.5"));
        this.ramp = Double.parseDouble(options.getOrDefault("ramp", "0.5"));
    }

    public static void main(String[] args) throws Exception {
        Map<String, String> options = parseArgs(args);
        int sources = (options.containsKey("report") ? 1 : 0) + (options.containsKey("jmh") ? 1 : 0)
                + (options.containsKey("one") ? 1 : 0);
        if (options.containsKey("help") || sources != 1) {
            System.err.println(usage());
            System.exit(options.containsKey("help") ? 0 : 2);
        }
        if (!Fio.installed()) {
            System.err.println("fio is not installed: apt-get install -y fio");
            System.exit(1);
        }
        FioCompare compare = new FioCompare(options);
        if (options.containsKey("one")) {
            compare.one();
        } else if (options.containsKey("report")) {
            Path report = Path.of(options.get("report"));
            compare.fromReport(report, compare.outOr(report, "fio.csv"));
        } else {
            Path jmh = Path.of(options.get("jmh"));
            compare.fromJmh(jmh, compare.outOr(jmh, "jmh-fio.csv"));
        }
    }

    private static String usage() {
        return "usage: FioCompare (--report CSV | --jmh JSON | --one) [--file DATA] [--out CSV] [--runtime S] "
                + "[--ramp S] [--tmpdir DIR]\n"
                + "       --one: [--rw read|randread|write|randrw] [--bs BYTES] [--qd N] [--numjobs N] [--direct 0|1]";
    }

    /** {@code --name value} and {@code --name=value} pairs; {@code --one} and {@code --help} take no value. */
    static Map<String, String> parseArgs(String[] args) {
        Map<String, String> options = new LinkedHashMap<>();
        for (int i = 0; i < args.length; i++) {
            String a = args[i];
            if (a.equals("-h") || a.equals("--help")) {
                options.put("help", "");
                continue;
            }
            if (!a.startsWith("--")) {
                throw new IllegalArgumentException("unexpected argument " + a + "\n" + usage());
            }
            String name = a.substring(2);
            int eq = name.indexOf('=');
            if (eq >= 0) {
                options.put(name.substring(0, eq), name.substring(eq + 1));
            } else if (name.equals("one")) {
                options.put(name, "");
            } else if (i + 1 < args.length) {
                options.put(name, args[++i]);
            } else {
                throw new IllegalArgumentException(a + " needs a value\n" + usage());
            }
        }
        return options;
    }

    private Path outOr(Path input, String name) {
        String out = options.get("out");
        if (out != null) {
            return Path.of(out);
        }
        Path parent = input.toAbsolutePath().getParent();
        return parent == null ? Path.of(name) : parent.resolve(name);
    }

    // ---- --one

    private void one() throws IOException, InterruptedException {
        String file = options.get("file");
        if (file == null) {
            System.err.println("--one needs --file");
            System.exit(2);
        }
        Fio.Job job = new Fio.Job();
        job.file = file;
        job.size = Files.size(Path.of(file));
        job.blockSize = Integer.parseInt(options.getOrDefault("bs", "4096"));
        job.queueDepth = Integer.parseInt(options.getOrDefault("qd", "1"));
        job.numJobs = Integer.parseInt(options.getOrDefault("numjobs", "1"));
        job.direct = options.getOrDefault("direct", "0").equals("1");
        job.rw = options.getOrDefault("rw", "randread");
        System.out.println(Fio.cell(job, Fio.run(job, ramp, runtime), runtime).toCsv());
    }

    // ---- --report: the short report's CSV

    private void fromReport(Path report, Path out) throws IOException, InterruptedException {
        List<String[]> rows = new ArrayList<>();
        Long recorded = null;
        for (String line : Files.readAllLines(report, StandardCharsets.UTF_8)) {
            if (line.startsWith("# sizeBytes: ")) {
                recorded = Long.parseLong(line.substring("# sizeBytes: ".length()).strip());
            }
            if (line.startsWith("#") || line.startsWith("workload,") || line.isBlank()) {
                continue;
            }
            rows.add(line.split(",", -1));
        }
        String file = options.get("file");
        Path tmp = null;
        if (file == null) {
            if (recorded == null) {
                System.err.println("--file is needed: " + report + " does not record the file size");
                System.exit(2);
            }
            tmp = Files.createTempDirectory(Path.of(options.getOrDefault("tmpdir", "/tmp")), "ringfile-fio-");
            file = tmp.resolve("data.bin").toString();
            System.out.println("making " + human(recorded) + " test file " + file);
            makeFile(Path.of(file), recorded);
        }
        try {
            reportWithFile(rows, Path.of(file), out);
        } finally {
            if (tmp != null) {
                deleteTree(tmp);
            }
        }
    }

    private void reportWithFile(List<String[]> rows, Path file, Path out) throws IOException, InterruptedException {
        long size = Files.size(file);
        Map<String, Map<String, String[]>> results = new LinkedHashMap<>(); // point key -> engine -> row
        List<String> engines = new ArrayList<>();
        for (String[] r : rows) {
            results.computeIfAbsent(String.join(",", r[0], r[1], r[2], r[3]), k -> new LinkedHashMap<>())
                    .put(r[4], r);
            if (!engines.contains(r[4])) {
                engines.add(r[4]);
            }
        }
        System.out.printf(Locale.ROOT, "fio: %s, io_uring engine, %s file %s, %.1f s per point after %.1f s ramp%n",
                Fio.version(), human(size), file, runtime, ramp);
        Map<String, Fio.Result> fio = new LinkedHashMap<>();
        boolean warmed = false;
        int i = 0;
        for (String key : results.keySet()) {
            String[] k = key.split(",");
            String workload = k[0];
            boolean direct = k[1].equals("DIRECT");
            int bs = Integer.parseInt(k[2]);
            int qd = Integer.parseInt(k[3]);
            if (!direct && !warmed) {
                TestFiles.warm(file);
                warmed = true;
            }
            System.out.printf(Locale.ROOT, "[%d/%d] fio %-8s %-6s %3s QD %-4d ", ++i, results.size(), workload, k[1],
                    bsLabel(bs), qd);
            System.out.flush();
            Fio.Job job = new Fio.Job();
            job.file = file.toString();
            job.size = size;
            job.blockSize = bs;
            job.queueDepth = qd;
            job.direct = direct;
            job.rw = workload.equals("seqread") ? "read" : "randread";
            Fio.Result res = Fio.run(job, ramp, runtime);
            fio.put(key, res);
            System.out.println((workload.equals("seqread") ? String.format(Locale.ROOT, "%.2f GiB/s", res.gibPerSec)
                    : String.format(Locale.ROOT, "%.0f k/s", res.opsPerSec / 1000)) + "  p99 " + Fio.fmtUs(res.p99us));
        }
        List<String> lines = new ArrayList<>();
        lines.add(String.format(Locale.ROOT, "# %s, io_uring engine, --invalidate=0 (hot) or --direct=1, %.1f s per "
                + "point", Fio.version(), runtime));
        lines.add(Cell.HEADER);
        for (Map.Entry<String, Fio.Result> e : fio.entrySet()) {
            Fio.Result r = e.getValue();
            lines.add(String.format(Locale.ROOT, "%s,%s,%.3f,%.3f,%.3f,%.3f,%.3f,%d,,%.3f,%.3f", e.getKey(),
                    Fio.ENGINE, r.opsPerSec, r.gibPerSec, r.p50us, r.p99us, r.p999us, (long) (r.opsPerSec * runtime),
                    r.meanUs, r.clatP99us));
        }
        write(out, lines);
        System.out.println();
        System.out.println("Throughput as a ratio of fio's (same file, block size, queue depth and cache mode):");
        StringBuilder header = new StringBuilder(String.format(Locale.ROOT, "%-9s %-6s %3s %4s %12s", "workload",
                "cache", "bs", "QD", "fio"));
        for (String e : engines) {
            header.append(String.format(Locale.ROOT, " %" + Math.max(9, e.length()) + "s", e));
        }
        System.out.println(header);
        for (Map.Entry<String, Map<String, String[]>> point : results.entrySet()) {
            String[] k = point.getKey().split(",");
            boolean seq = k[0].equals("seqread");
            Fio.Result res = fio.get(point.getKey());
            StringBuilder line = new StringBuilder(String.format(Locale.ROOT, "%-9s %-6s %3s %4d %12s", k[0], k[1],
                    bsLabel(Integer.parseInt(k[2])), Integer.parseInt(k[3]),
                    seq ? String.format(Locale.ROOT, "%.2f GiB/s", res.gibPerSec)
                            : String.format(Locale.ROOT, "%.0f k/s", res.opsPerSec / 1000)));
            for (String e : engines) {
                String[] r = point.getValue().get(e);
                String width = "%" + Math.max(9, e.length()) + "s";
                double theirs = seq ? res.gibPerSec : res.opsPerSec;
                String cell = r == null || theirs == 0 ? "-" : String.format(Locale.ROOT, "%.2fx",
                        Double.parseDouble(seq ? r[6] : r[5]) / theirs);
                line.append(' ').append(String.format(Locale.ROOT, width, cell));
            }
            System.out.println(line);
        }
        System.out.println("wrote " + out);
    }

    // ---- --jmh: JMH's JSON results

    private static final class JmhRow {
        String cls;
        String kind;
        String engine;
        long size;
        int bs;
        int qd;
        String cache;
        Double score;
        String unit;
        Double p99;

        String key() {
            return kind + "," + size + "," + bs + "," + qd + "," + cache;
        }
    }

    /** Reads the benchmarks of a JMH JSON result file that fio can run; prints the ones it cannot. */
    static List<JmhRow> readJmh(String json) throws IOException {
        List<JmhRow> rows = new ArrayList<>();
        TreeSet<String> skipped = new TreeSet<>();
        for (JsonNode r : new ObjectMapper().readTree(json)) {
            String[] parts = r.path("benchmark").asText().split("\\.");
            String cls = parts.length >= 2 ? parts[parts.length - 2] : parts[0];
            String kind = JMH_KINDS.get(cls);
            if (kind == null) {
                skipped.add(cls);
                continue;
            }
            JsonNode p = r.path("params");
            JmhRow row = new JmhRow();
            row.cls = cls;
            row.kind = kind;
            row.engine = p.path("engine").asText("?");
            row.size = parseSize(p.path("fileSize").asText("1g"));
            row.bs = Integer.parseInt(p.path("blockSize").asText("4096"));
            row.qd = Integer.parseInt(p.path("queueDepth").asText("1"));
            row.cache = p.path("cache").asText("HOT");
            JsonNode secondary = r.path("secondaryMetrics");
            if (kind.equals("write")) {
                JsonNode gib = secondary.path("GiB").path("score");
                row.score = gib.isNumber() ? gib.asDouble() : null;
                row.unit = "GiB/s";
            } else {
                row.score = r.path("primaryMetric").path("score").asDouble();
                row.unit = kind.equals("read") ? "GiB/s" : "ops/s";
            }
            JsonNode p99 = secondary.path("lat.p99").path("score");
            row.p99 = p99.isNumber() ? p99.asDouble() : null;
            rows.add(row);
        }
        if (!skipped.isEmpty()) {
            System.out.println("no fio equivalent, skipped: " + String.join(", ", skipped));
        }
        return rows;
    }

    private void fromJmh(Path jmh, Path out) throws IOException, InterruptedException {
        List<JmhRow> rows = readJmh(Files.readString(jmh, StandardCharsets.UTF_8));
        if (rows.isEmpty()) {
            System.out.println("nothing to compare in " + jmh);
            return;
        }
        Path tmp = Files.createTempDirectory(Path.of(options.getOrDefault("tmpdir", "/tmp")), "ringfile-fio-");
        Map<String, Fio.Result> fio = new LinkedHashMap<>();
        try {
            Map<Long, Path> files = new LinkedHashMap<>();
            List<JmhRow> configs = new ArrayList<>();
            for (JmhRow r : rows) {
                if (configs.stream().noneMatch(c -> c.key().equals(r.key()))) {
                    configs.add(r);
                }
            }
            System.out.printf(Locale.ROOT, "fio: %s, io_uring engine, %d configurations, %.1f s per point%n",
                    Fio.version(), configs.size(), runtime);
            int i = 0;
            for (JmhRow c : configs) {
                boolean direct = c.cache.equals("DIRECT");
                Path path;
                if (c.kind.equals("read") || c.kind.equals("randread")) {
                    path = options.containsKey("file") ? Path.of(options.get("file")) : files.get(c.size);
                    if (path == null) {
                        path = tmp.resolve("data-" + c.size + ".bin");
                        System.out.println("making " + human(c.size) + " test file " + path);
                        makeFile(path, c.size);
                        files.put(c.size, path);
                    }
                    if (!direct) {
                        TestFiles.warm(path);
                    }
                } else {
                    path = tmp.resolve(c.kind + "-" + c.size + ".bin");
                    if (!Files.exists(path)) {
                        makeFile(path, c.size);
                    }
                    if (c.kind.equals("randrw")) {
                        TestFiles.warm(path);
                    }
                }
                System.out.printf(Locale.ROOT, "[%d/%d] fio %-8s %-6s bs %-3s QD %-4d ", ++i, configs.size(), c.kind,
                        c.cache, bsLabel(c.bs), c.qd);
                System.out.flush();
                Fio.Job job = new Fio.Job();
                job.file = path.toString();
                job.size = c.size;
                job.blockSize = c.bs;
                job.queueDepth = c.qd;
                job.direct = direct;
                job.rw = c.kind;
                Fio.Result res = Fio.run(job, ramp, runtime);
                fio.put(c.key(), res);
                boolean gib = c.kind.equals("read") || c.kind.equals("write");
                System.out.println((gib ? String.format(Locale.ROOT, "%.2f GiB/s", res.gibPerSec)
                        : String.format(Locale.ROOT, "%.0f ops/s", res.opsPerSec)) + "  p99 " + Fio.fmtUs(res.p99us));
            }
        } finally {
            deleteTree(tmp);
        }
        System.out.println();
        System.out.println("JMH results as ratios of fio's (fio ran on a file of the same size, same block size, "
                + "queue depth and cache mode):");
        String format = "%-25s %-6s %3s %4s %-20s %14s %14s %7s %10s %10s%n";
        System.out.printf(Locale.ROOT, format, "benchmark", "cache", "bs", "QD", "engine", "ringfile-bench", "fio",
                "ratio", "p99", "fio p99");
        List<String> lines = new ArrayList<>();
        lines.add("benchmark,cache,blockSize,queueDepth,engine,score,fio,unit,ratio,p99us,fioP99us");
        for (JmhRow r : rows) {
            Fio.Result res = fio.get(r.key());
            boolean gib = r.unit.equals("GiB/s");
            double theirs = gib ? res.gibPerSec : res.opsPerSec;
            Double ratio = r.score != null && theirs != 0 ? r.score / theirs : null;
            System.out.printf(Locale.ROOT, format, r.cls, r.cache, bsLabel(r.bs), Integer.toString(r.qd), r.engine,
                    r.score == null ? "-" : figure(r.score, r.unit), figure(theirs, r.unit),
                    ratio == null ? "-" : String.format(Locale.ROOT, "%.2fx", ratio),
                    r.p99 == null || r.p99 == 0 ? "-" : Fio.fmtUs(r.p99), Fio.fmtUs(res.p99us));
            lines.add(String.format(Locale.ROOT, "%s,%s,%d,%d,%s,%s,%.3f,%s,%s,%s,%.3f", r.cls, r.cache, r.bs, r.qd,
                    r.engine, r.score == null ? "" : String.format(Locale.ROOT, "%.3f", r.score), theirs, r.unit,
                    ratio == null ? "" : String.format(Locale.ROOT, "%.4f", ratio),
                    r.p99 == null || r.p99 == 0 ? "" : String.format(Locale.ROOT, "%.3f", r.p99), res.p99us));
        }
        write(out, lines);
        System.out.println("wrote " + out);
    }

    private static String figure(double v, String unit) {
        return String.format(Locale.ROOT, unit.equals("GiB/s") ? "%.2f %s" : "%.0f %s", v, unit);
    }

    // ---- helpers

    /** Sizes such as {@code 4096}, {@code 64k}, {@code 256m}, {@code 1g}, {@code 1GiB} (binary units). */
    static long parseSize(String text) {
        String s = text.strip().toLowerCase(Locale.ROOT);
        if (s.endsWith("kib") || s.endsWith("mib") || s.endsWith("gib")) {
            s = s.substring(0, s.length() - 2);
        }
        long unit = s.endsWith("k") ? 1L << 10 : s.endsWith("m") ? 1L << 20 : s.endsWith("g") ? 1L << 30 : 1;
        return unit == 1 ? Long.parseLong(s) : Long.parseLong(s.substring(0, s.length() - 1)) * unit;
    }

    static String human(long n) {
        long[] sizes = {1L << 30, 1L << 20, 1L << 10};
        String[] units = {"GiB", "MiB", "KiB"};
        for (int i = 0; i < sizes.length; i++) {
            if (n >= sizes[i] && n % sizes[i] == 0) {
                return n / sizes[i] + " " + units[i];
            }
        }
        return n + " B";
    }

    static String bsLabel(int bs) {
        return bs == 1 << 20 ? "1m" : bs % 1024 == 0 ? bs / 1024 + "k" : Integer.toString(bs);
    }

    /** {@code size} bytes of incompressible data (a random 1 MiB block, its first 8 bytes a counter), fsynced. */
    private static void makeFile(Path path, long size) throws IOException {
        byte[] block = new byte[1 << 20];
        new Random().nextBytes(block);
        try (java.nio.channels.FileChannel ch = java.nio.channels.FileChannel.open(path,
                java.nio.file.StandardOpenOption.CREATE, java.nio.file.StandardOpenOption.WRITE,
                java.nio.file.StandardOpenOption.TRUNCATE_EXISTING);
             OutputStream os = java.nio.channels.Channels.newOutputStream(ch)) {
            long written = 0;
            for (long counter = 0; written < size; counter++) {
                for (int b = 0; b < 8; b++) {
                    block[b] = (byte) (counter >>> (8 * b));
                }
                int n = (int) Math.min(block.length, size - written);
                os.write(block, 0, n);
                written += n;
            }
            os.flush();
            ch.force(true);
        }
    }

    private static void write(Path out, List<String> lines) throws IOException {
        Path parent = out.toAbsolutePath().getParent();
        if (parent != null) {
            Files.createDirectories(parent);
        }
        Files.write(out, lines, StandardCharsets.UTF_8);
    }

    private static void deleteTree(Path dir) {
        try (Stream<Path> paths = Files.walk(dir)) {
            paths.sorted(Comparator.reverseOrder()).map(Path::toFile).filter(Objects::nonNull).forEach(f -> {
                if (!f.delete()) {
                    f.deleteOnExit();
                }
            });
        } catch (IOException e) {
            // best effort, as the script's rm -rf
        }
    }
}
