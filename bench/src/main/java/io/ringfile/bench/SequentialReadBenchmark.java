package io.ringfile.bench;

import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.Warmup;

import java.io.IOException;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

/*
 * Workload: sequential reads of one large file (fileSize, default 1 GiB) in blocks of 64 KiB or 1 MiB, with
 * exactly queueDepth reads (1, 8, 32) in flight. Positions are handed out in file order and wrap around at the end,
 * so the load runs without pause. cache=HOT reads a file that was read once before (page cache); cache=DIRECT
 * opens it with O_DIRECT into 4096-aligned direct buffers (the device).
 * Score: one op is 1 GiB read, so ops/s is GiB/s. With -prof io.ringfile.bench.LatencyProfiler the per-read
 * latency percentiles are added.
 */
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Fork(1)
@Warmup(iterations = 2, time = 2)
@Measurement(iterations = 3, time = 3)
public class SequentialReadBenchmark extends LoadState {
    static final long GIB = 1L << 30;

    @Param({"RINGFILE_IO_URING", "RINGFILE_NIO", "FILE_CHANNEL", "ASYNC_FILE_CHANNEL"})
    public Engine engine;

    @Param({"1g"})
    public String fileSize;

    @Param({"65536", "1048576"})
    public int blockSize;

    @Param({"1", "8", "32"})
    public int queueDepth;

    @Param
    public Cache cache;

    @Setup(Level.Trial)
    public void setup() throws IOException {
        long size = TestFiles.parseSize(fileSize);
        Path data = TestFiles.dataFile(size);
        boolean direct = cache == Cache.DIRECT;
        if (!direct) {
            TestFiles.warm(data);
        }
        begin(engine, data, Options.read(direct), new Load.Spec()
                .pattern(Load.Pattern.SEQUENTIAL).mix(Load.Mix.READ)
                .blockSize(blockSize).queueDepth(queueDepth).fileSize(size).aligned(direct),
                "sequential read " + engine + " bs=" + blockSize + " qd=" + queueDepth + " " + cache);
    }

    /** Waits for the next 1 GiB of completed reads. */
    @Benchmark
    public long readOneGiB() {
        return await(GIB / blockSize);
    }
}
