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
 * Workload (JDK 21 and newer): `threads` virtual threads, each doing random 4 KiB reads of one page-cache-hot file
 * (fileSize, default 1 GiB) in a blocking loop: Ringfile read(..).join(), FileChannel.read, or
 * AsynchronousFileChannel.read(..).get(). A blocked join parks the virtual thread and frees its carrier; a
 * FileChannel read blocks the carrier (the JDK compensates with extra carriers). Virtual threads are found by
 * reflection because the module compiles for Java 17; on JDK 17 this benchmark is skipped with a message
 * (BenchMain excludes it; run directly, its setup fails with the reason).
 * Score: ops/s is reads per second (1024 per call); latency as in RandomReadBenchmark.
 */
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Fork(1)
@Warmup(iterations = 2, time = 2)
@Measurement(iterations = 3, time = 3)
public class VirtualThreadsBenchmark extends LoadState {
    static final int BATCH = 1024;

    @Param({"RINGFILE_IO_URING", "RINGFILE_NIO", "FILE_CHANNEL", "ASYNC_FILE_CHANNEL"})
    public Engine engine;

    @Param({"32", "1024"})
    public int threads;

    @Param({"1g"})
    public String fileSize;

    @Setup(Level.Trial)
    public void setup() throws IOException {
        String unavailable = VirtualThreads.unavailableReason();
        if (unavailable != null) {
            throw new UnsupportedOperationException("VirtualThreadsBenchmark skipped: " + unavailable);
        }
        long size = TestFiles.parseSize(fileSize);
        Path data = TestFiles.dataFile(size);
        TestFiles.warm(data);
        begin(engine, data, Options.read(false), new Load.Spec()
                .pattern(Load.Pattern.RANDOM).mix(Load.Mix.READ).driver(Load.Driver.VIRTUAL_THREADS)
                .blockSize(4096).queueDepth(threads).fileSize(size),
                "virtual threads " + engine + " threads=" + threads + " HOT");
    }

    @Benchmark
    @OperationsPerInvocation(BATCH)
    public long read4k() {
        return await(BATCH);
    }
}
