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
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

/*
 * Workload: a database-like mix on one large file (fileSize, default 1 GiB, its own copy, page cache hot):
 * random 4 KiB operations at 4 KiB-aligned positions, 70% reads and 30% overwrites, with an fsync after every 64th
 * write, and exactly queueDepth operations (1, 32, 128) in flight; an fsync takes the place of an operation while it
 * runs. AsynchronousFileChannel has no asynchronous fsync, so it calls force() on its completion thread.
 * Score: ops/s is reads plus writes per second (1024 per call; fsyncs not counted). Latency percentiles cover
 * reads and writes together.
 */
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Fork(1)
@Warmup(iterations = 2, time = 2)
@Measurement(iterations = 3, time = 3)
public class MixedReadWriteBenchmark extends LoadState {
    static final int BATCH = 1024;

    @Param({"RINGFILE_IO_URING", "RINGFILE_NIO", "FILE_CHANNEL", "ASYNC_FILE_CHANNEL"})
    public Engine engine;

    @Param({"1g"})
    public String fileSize;

    @Param({"1", "32", "128"})
    public int queueDepth;

    private Path scratch;

    @Setup(Level.Trial)
    public void setup() throws IOException {
        long size = TestFiles.parseSize(fileSize);
        scratch = TestFiles.dir().resolve("mixed-" + size + ".bin");
        TestFiles.create(scratch, size);
        TestFiles.warm(scratch);
        begin(engine, scratch, Options.readWrite(false), new Load.Spec()
                .pattern(Load.Pattern.RANDOM).mix(Load.Mix.READ_70_WRITE_30).fsyncEvery(64)
                .blockSize(4096).queueDepth(queueDepth).fileSize(size),
                "mixed 70/30 " + engine + " qd=" + queueDepth + " HOT");
    }

    @Benchmark
    @OperationsPerInvocation(BATCH)
    public long readWrite4k() {
        return await(BATCH);
    }

    @TearDown(Level.Trial)
    public void deleteScratch() throws IOException {
        end(); // closes the file before it is deleted
        Files.deleteIfExists(scratch);
    }
}
