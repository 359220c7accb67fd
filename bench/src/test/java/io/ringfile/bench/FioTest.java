package io.ringfile.bench;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Reading fio's JSON output, from outputs captured by running fio 3.33 on this machine (test resources). */
class FioTest {

    private static String resource(String name) throws IOException {
        try (InputStream in = FioTest.class.getResourceAsStream(name)) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
    }

    @Test
    void randomReadsODirect() throws IOException {
        // fio --rw=randread --bs=4096 --iodepth=32 --direct=1 --runtime=500ms --ramp_time=100ms ...
        Fio.Result r = Fio.parse(resource("fio-randread-direct-qd32.json"));
        assertEquals(72221.556886, r.opsPerSec, 1e-6);
        assertEquals(148332544 / 0.501 / (1L << 30), r.gibPerSec, 1e-9); // io_bytes over runtime (ms)
        assertEquals(1044.48, r.p99us, 1e-9);                           // lat_ns percentile 99.000000
        assertEquals(441.696736262, r.meanUs, 1e-9);
        assertEquals(1044.48, r.clatP99us, 1e-9);
        assertTrue(r.p50us > 0 && r.p50us <= r.p99us && r.p99us <= r.p999us);
        // usr_cpu 9% + sys_cpu 26.6% of one CPU, per operation: 0.356 s / 72,222 ops
        assertEquals(0.356 * 1e6 / 72221.556886, r.cpuUsPerOp, 1e-9);
    }

    @Test
    void aTimedSequentialWriteIsWriteForTheTimeAndItsCellSaysSeqwrite() {
        Fio.Job job = new Fio.Job();
        job.file = "/tmp/seqwrite.bin";
        job.size = 1 << 28;
        job.blockSize = 1 << 20;
        job.queueDepth = 8;
        job.rw = "seqwrite";
        List<String> cmd = Fio.command(job, 0.5, 1.5);
        assertTrue(cmd.containsAll(List.of("--rw=write", "--time_based", "--runtime=1500ms")), cmd.toString());
        assertFalse(cmd.contains("--end_fsync=1"), "not the one-pass write of fio-compare");
        assertEquals("seqwrite", Fio.cell(job, new Fio.Result(), 1.5).workload);
    }

    @Test
    void mixedReadsAndWritesAreSummedWithTheReadsLatency() throws IOException {
        // fio --rw=randrw --rwmixread=70 --fsync=64 --bs=4096 --iodepth=8 --direct=0 ...
        Fio.Result r = Fio.parse(resource("fio-randrw-qd8.json"));
        assertEquals(49858.565737 + 21290.836653, r.opsPerSec, 1e-6);
        assertEquals((102518784 + 43778048) / 0.502 / (1L << 30), r.gibPerSec, 1e-9);
        assertEquals(50.944, r.p99us, 1e-9);
        assertEquals(46.848, r.clatP99us, 1e-9);
        assertEquals(19.499742938, r.meanUs, 1e-9);
    }

    @Test
    void textBeforeTheJsonIsSkipped() throws IOException {
        String json = resource("fio-randread-direct-qd32.json");
        Fio.Result r = Fio.parse("fio: some warning\n" + json);
        assertEquals(72221.556886, r.opsPerSec, 1e-6);
        assertThrows(IOException.class, () -> Fio.parse("fio: file not found"));
    }

    @Test
    void commandAndCellOfTwoJobs() throws IOException {
        Fio.Job job = new Fio.Job();
        job.file = "/tmp/data.bin";
        job.size = 1 << 26;
        job.blockSize = 4096;
        job.queueDepth = 64;
        job.numJobs = 2;
        job.rw = "randread";
        List<String> cmd = Fio.command(job, 0.5, 1.5);
        assertTrue(cmd.containsAll(List.of("--numjobs=2", "--group_reporting", "--iodepth=64", "--direct=0",
                "--runtime=1500ms", "--ramp_time=500ms", "--rw=randread", "--output-format=json")), cmd.toString());
        Cell c = Fio.cell(job, Fio.parse(resource("fio-randread-direct-qd32.json")), 1.5);
        assertEquals("fio io_uring 2 jobs", c.engine);
        assertEquals(Targets.FIO_2_JOBS, c.engine);
        assertEquals(128, c.queueDepth);
        assertEquals("randread", c.workload);
        assertEquals("HOT", c.cache);
        assertEquals(c.toCsv(), Cell.parse(List.of(c.toCsv())).get(0).toCsv());
    }

    @Test
    void jmhResultsFioCanRun() throws IOException {
        String json = "[{\"benchmark\":\"io.ringfile.bench.RandomReadBenchmark.read\",\"params\":{\"engine\":"
                + "\"RINGFILE_IO_URING\",\"queueDepth\":\"32\",\"cache\":\"DIRECT\"},\"primaryMetric\":{\"score\":"
                + "150000.0},\"secondaryMetrics\":{\"lat.p99\":{\"score\":300.5}}},"
                + "{\"benchmark\":\"io.ringfile.bench.SmallFilesBenchmark.readAllBytes\",\"params\":{},"
                + "\"primaryMetric\":{\"score\":1.0}}]";
        List<?> rows = FioCompare.readJmh(json);
        assertEquals(1, rows.size());
        assertEquals(1L << 30, FioCompare.parseSize("1g"));
        assertEquals(256L << 20, FioCompare.parseSize("256MiB"));
        assertEquals("256 MiB", FioCompare.human(256L << 20));
        assertEquals("1m", FioCompare.bsLabel(1 << 20));
        assertEquals("4k", FioCompare.bsLabel(4096));
    }
}
