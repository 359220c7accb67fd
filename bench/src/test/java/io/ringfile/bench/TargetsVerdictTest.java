package io.ringfile.bench;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The targets table's verdicts from given numbers: PASS, MISS, and noisy for each reason. */
class TargetsVerdictTest {

    private static Targets.Row iopsRow(double ringfile, double comparator, List<Double> repeats, double spare) {
        Targets.Row r = new Targets.Row();
        r.id = "t";
        r.workload = "test";
        r.measure = Targets.Measure.IOPS;
        r.ringfile = ringfile;
        r.comparator = "fio 1 job QD32";
        r.comparatorLabel = Targets.FIO;
        r.comparatorValue = comparator;
        r.target = 0.9;
        r.comparatorRepeats = repeats;
        r.cores = 2;
        r.spareRow = spare;
        r.spareMin = spare;
        r.noise = Targets.noise(repeats, spare, 2, null);
        return r;
    }

    @Test
    void quietAndAboveTargetPasses() {
        Targets.Row r = iopsRow(95_000, 100_000, List.of(98_000.0, 102_000.0), 1.96);
        assertNull(r.noise);
        assertEquals("PASS", r.verdict());
        assertEquals("PASS", r.resultText());
    }

    @Test
    void quietAndBelowTargetMisses() {
        Targets.Row r = iopsRow(80_000, 100_000, List.of(98_000.0, 102_000.0), 1.96);
        assertEquals("MISS", r.verdict());
        assertEquals("4%", r.spreadText());
    }

    @Test
    void comparatorRepeatsApartMakeTheRowNoisy() {
        Targets.Row r = iopsRow(95_000, 100_000, List.of(80_000.0, 120_000.0), 1.96);
        assertEquals("noisy", r.verdict());
        assertEquals("PASS", r.measuredVerdict());
        assertTrue(r.resultText().startsWith("noisy (PASS as measured): comparator's repeats 50% apart"),
                r.resultText());
    }

    @Test
    void spreadAtTheLimitIsNotNoise() {
        assertEquals(0.15, Targets.spread(List.of(100.0, 115.0)), 1e-9);
        assertNull(Targets.noise(List.of(100.0, 115.0), 2.0, 2, null));
        assertNotNull(Targets.noise(List.of(100.0, 115.1), 2.0, 2, null));
        assertTrue(Double.isNaN(Targets.spread(List.of(100.0))), "one repeat has no spread");
    }

    @Test
    void lowSpareCpuMakesTheRowNoisy() {
        Targets.Row r = iopsRow(80_000, 100_000, List.of(100_000.0, 101_000.0), 1.02);
        assertEquals("noisy", r.verdict());
        assertEquals("noisy (MISS as measured): spare CPU 1.02 of 2 cores (limit 1.50)", r.resultText());
        // at the limit (75% of 2 cores) the figures hold
        assertNull(Targets.noise(List.of(100.0, 101.0), 1.5, 2, null));
        // unknown spare CPU (no /proc) says nothing
        assertNull(Targets.noise(List.of(100.0, 101.0), Double.NaN, 0, null));
    }

    @Test
    void latencyRowIsJudgedAtMost() {
        Targets.Row r = iopsRow(0, 0, List.of(), Double.NaN);
        r.measure = Targets.Measure.P99;
        r.atMost = true;
        r.target = 1.25;
        r.ringfile = 300;
        r.comparatorValue = 250;
        r.noise = null;
        assertEquals("PASS", r.verdict()); // 1.20
        r.ringfile = 320;
        assertEquals("MISS", r.verdict()); // 1.28
    }

    @Test
    void missingFiguresAreNotApplicableEvenWhenNoisy() {
        Targets.Row r = iopsRow(Double.NaN, 100_000, List.of(80_000.0, 120_000.0), 1.0);
        assertEquals("n/a", r.verdict());
    }

    @Test
    void allocationRowUnderLoadIsNoisy() {
        Targets.Row r = new Targets.Row();
        r.measure = Targets.Measure.ALLOC;
        r.atMost = true;
        r.target = 128;
        r.ringfile = 146;
        r.noise = Targets.noise(List.of(), 1.0, 2, null);
        assertEquals("noisy (MISS as measured): spare CPU 1.00 of 2 cores (limit 1.50)", r.resultText());
    }

    private static Cell fio(String cache, int qd, double ops) {
        Cell c = new Cell();
        c.workload = "randread";
        c.cache = cache;
        c.blockSize = 4096;
        c.queueDepth = qd;
        c.engine = Fio.ENGINE;
        c.opsPerSec = ops;
        c.gibPerSec = ops * 4096 / (1L << 30);
        c.p99us = 250;
        return c;
    }

    @Test
    void fioSlowerAtHigherDirectDepthIsASignOfLoad() {
        Map<String, String> found = Targets.inversions(List.of(fio("DIRECT", 32, 160_000), fio("DIRECT", 128,
                120_000)));
        assertEquals(1, found.size());
        assertTrue(found.get("randread-DIRECT-4096-128").startsWith("fio at QD128 measured 25% below fio at QD32"));
        // within the spread: a device at its limit measures about the same at both depths
        assertTrue(Targets.inversions(List.of(fio("DIRECT", 32, 160_000), fio("DIRECT", 128, 140_000))).isEmpty());
        // page cache: one fio job is CPU-bound and may slow down with depth
        assertTrue(Targets.inversions(List.of(fio("HOT", 32, 160_000), fio("HOT", 128, 100_000))).isEmpty());
    }

    /** Everything from the files a run writes: rows 1a and 2a from report.csv-like cells, fio and repeats.csv. */
    @Test
    void rowsFromRepeatsCsv(@TempDir Path dir) throws Exception {
        List<Cell> cells = new ArrayList<>();
        for (int qd : new int[] {32, 128}) {
            Cell c = fio("DIRECT", qd, 150_000);
            c.engine = Targets.DEFAULT;
            cells.add(c);
        }
        List<Cell> fio = List.of(fio("DIRECT", 32, 160_000), fio("DIRECT", 128, 120_000));
        List<String> lines = new ArrayList<>(List.of("# cores: 2", Targets.Repeat.HEADER));
        // QD32: fio repeats 155k and 165k (6% apart), spare CPU fine; attempt 1 had them 40% apart
        lines.add(repeat("randread-DIRECT-4096-32", 1, 1, 1.9, fio("DIRECT", 32, 100_000)));
        lines.add(repeat("randread-DIRECT-4096-32", 1, 2, 1.9, fio("DIRECT", 32, 140_000)));
        lines.add(repeat("randread-DIRECT-4096-32", 2, 1, 1.95, fio("DIRECT", 32, 155_000)));
        lines.add(repeat("randread-DIRECT-4096-32", 2, 2, 1.97, fio("DIRECT", 32, 165_000)));
        lines.add(repeat("randread-DIRECT-4096-32", 2, 1, 1.96, cells.get(0)));
        // QD128: repeats agree, but fio measured below its QD32 figure
        lines.add(repeat("randread-DIRECT-4096-128", 1, 1, 1.9, fio("DIRECT", 128, 119_000)));
        lines.add(repeat("randread-DIRECT-4096-128", 1, 2, 1.9, fio("DIRECT", 128, 121_000)));
        lines.add(repeat("randread-DIRECT-4096-128", 1, 1, 1.1, cells.get(1)));
        Path repeats = dir.resolve("repeats.csv");
        Files.write(repeats, lines, StandardCharsets.UTF_8);

        Targets.Inputs in = Targets.Inputs.read(cells, fio, dir.resolve("targets-points.csv")).withRepeats(repeats);
        List<Targets.Row> rows = Targets.rows(in);
        Targets.Row r1a = rows.stream().filter(r -> r.id.equals("1a")).findFirst().orElseThrow();
        assertEquals(List.of(155_000.0, 165_000.0), r1a.comparatorRepeats, "the last attempt's repeats");
        assertEquals(2, r1a.attempts);
        assertEquals(1.95, r1a.spareRow, 1e-9);
        assertNull(r1a.noise);
        assertEquals("PASS", r1a.verdict()); // 150k / 160k = 0.94 >= 0.90
        Targets.Row r2a = rows.stream().filter(r -> r.id.equals("2a")).findFirst().orElseThrow();
        assertEquals("noisy", r2a.verdict());
        assertTrue(r2a.noise.contains("spare CPU 1.10 of 2 cores"), r2a.noise);
        assertTrue(r2a.noise.contains("fio at QD128 measured 25% below fio at QD32"), r2a.noise);
        // allocation rows have no comparator: only spare CPU can mark them, and none was recorded for them here
        Targets.Row r8a = rows.stream().filter(r -> r.id.equals("8a")).findFirst().orElseThrow();
        assertNull(r8a.noise);
        // the csv carries the figures a reader needs
        String csv = String.join("\n", Targets.csv(rows, "d", "c"));
        assertTrue(csv.contains("155000.0000;165000.0000"), csv);
        assertFalse(Targets.text(rows).isEmpty());
    }

    /** Rows 9 to 12 from the extra runs of targets-points.csv (and a main cell for row 12). */
    @Test
    void writeAndCpuRowsFromTheExtraRuns(@TempDir Path dir) throws Exception {
        List<String> points = new ArrayList<>(List.of("point," + Cell.HEADER));
        points.add("seqwrite-HOT-1048576-1," + cell("seqwrite", 1 << 20, 1, Targets.DEFAULT, 9_000, 70).toCsv());
        points.add("seqwrite-HOT-1048576-1," + cell("seqwrite", 1 << 20, 1, "FileChannel x1thr", 10_000, 60)
                .toCsv());
        points.add("seqwrite-HOT-1048576-1," + cell("seqwrite", 1 << 20, 1, Targets.FIO, 6_000, 50).toCsv());
        points.add("append-HOT-4096-16," + cell("append", 4096, 16, Targets.DEFAULT, 20_000, 1_500).toCsv());
        points.add("append-HOT-4096-16," + cell("append", 4096, 16, "FileChannel x16thr", 25_000, 1_000).toCsv());
        Cell fc32 = cell("randread", 4096, 32, "FileChannel x32thr", 100_000, 400);
        fc32.cache = "DIRECT";
        fc32.cpuUsPerOp = 20;
        points.add("randread-DIRECT-4096-32," + fc32.toCsv());
        Path file = dir.resolve("targets-points.csv");
        Files.write(file, points, StandardCharsets.UTF_8);
        Cell ringfile = cell("randread", 4096, 32, Targets.DEFAULT, 110_000, 350);
        ringfile.cache = "DIRECT";
        ringfile.cpuUsPerOp = 8;
        Targets.Inputs in = Targets.Inputs.read(List.of(ringfile), List.of(), file);
        Map<String, Targets.Row> rows = new java.util.HashMap<>();
        for (Targets.Row r : Targets.rows(in)) {
            rows.put(r.id, r);
        }
        assertEquals(0.9, rows.get("9a").value(), 1e-3);  // GiB/s (3 decimals in the csv) against one thread
        assertEquals("PASS", rows.get("9a").verdict());  // >= 0.8
        assertEquals(1.5, rows.get("9b").value(), 1e-3);  // against fio at QD 1
        assertEquals("n/a", rows.get("9c").verdict(), "QD 8 not measured");
        assertEquals(0.8, rows.get("10c").value(), 1e-9); // records/s, 16 writers
        assertEquals("MISS", rows.get("10c").verdict());
        assertEquals(1.5, rows.get("10d").value(), 1e-9); // p99
        assertEquals("MISS", rows.get("10d").verdict());
        assertEquals(0.4, rows.get("12").value(), 1e-9);  // CPU per read: 8 against 20
        assertEquals("PASS", rows.get("12").verdict());   // <= 0.5
        assertTrue(rows.get("12").comparator.contains("at 100 k/s; ringfile at 110 k/s"), rows.get("12").comparator);
        assertEquals("8.0 CPU s/M", Targets.Measure.CPU.format(rows.get("12").ringfile));
    }

    private static Cell cell(String workload, int blockSize, int queueDepth, String engine, double opsPerSec,
                             double p99us) {
        Cell c = new Cell();
        c.workload = workload;
        c.cache = "HOT";
        c.blockSize = blockSize;
        c.queueDepth = queueDepth;
        c.engine = engine;
        c.opsPerSec = opsPerSec;
        c.gibPerSec = opsPerSec * blockSize / (double) (1L << 30);
        c.p50us = p99us / 2;
        c.p99us = p99us;
        c.p999us = p99us * 2;
        c.ops = (long) opsPerSec;
        Cell parsed = Cell.parse(List.of(c.toCsv())).get(0); // the csv keeps every figure
        assertEquals(c.toCsv(), parsed.toCsv());
        return c;
    }

    private static String repeat(String point, int attempt, int pass, double spare, Cell cell) {
        Targets.Repeat r = new Targets.Repeat();
        r.point = point;
        r.attempt = attempt;
        r.pass = pass;
        r.spareMin = spare - 0.1;
        r.spareMedian = spare;
        r.stealMax = 0;
        r.cell = cell;
        String line = r.toCsv();
        assertEquals(line, Targets.Repeat.parse(line).toCsv());
        return line;
    }
}
