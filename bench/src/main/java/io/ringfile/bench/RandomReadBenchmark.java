package io.ringfile.bench;

import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.Warmup;

import java.io.IOException;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

/*
 * Workload: random 4 KiB reads at 4 KiB-aligned positions, uniformly over one large file (fileSize, default
 * 1 GiB), with exactly queueDepth reads (1, 32, 128, 1024) in flight. cache=HOT: page cache (file read once
 * before); cache=DIRECT: O_DIRECT with aligned buffers.
 * Score: ops/s is reads per second (1024 reads per call). Latency p50/p99/p99.9 per read come from an
 * HdrHistogram (see Load for why): printed at the end of each trial, and added to the results by
 * -prof io.ringfile.bench.LatencyProfiler. Allocation per read: -prof gc, gc.alloc.rate.norm (all threads).
 */
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Fork(1)
@Warmup(iterations = 2, time = 2)
@Measurement(iterations = 3, time = 3)
public class RandomReadBenchmark extends LoadState {
    static final int BATCH = 1024;

    @Param({"RINGFILE_IO_URING", "RINGFILE_NIO", "FILE_CHANNEL", "ASYNC_FILE_CHANNEL"})
    public Engine engine;

    @Param({"1g"})
    public String fileSize;

    @Param({"1", "32", "128", "1024"})
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
                .pattern(Load.Pattern.RANDOM).mix(Load.Mix.READ)
                .blockSize(4096).queueDepth(queueDepth).fileSize(size).aligned(direct),
                "random 4k read " + engine + " qd=" + queueDepth + " " + cache);
    }

    @Benchmark
    @OperationsPerInvocation(BATCH)
    public long read4k() {
        return await(BATCH);
    }
}
