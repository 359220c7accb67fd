package io.ringfile.bench;

import org.openjdk.jmh.annotations.AuxCounters;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

/*
 * Workload: sequential write of a whole large file (fileSize, default 1 GiB) in blocks of 64 KiB or 1 MiB with
 * exactly queueDepth writes (1, 8, 32) in flight, then one fsync; the time includes the fsync, so the result is
 * what reaches the device, not the page cache. The file is created (and fsynced) once per trial and overwritten in
 * place by every call, so no call pays for block allocation. Buffers are direct and reused.
 * Score: one op is one pass (write fileSize bytes + fsync); the secondary metric "GiB" is GiB/s (JMH prints it
 * as ops/s).
 */
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Fork(1)
@Warmup(iterations = 1, time = 2)
@Measurement(iterations = 3, time = 5)
@State(Scope.Benchmark)
public class SequentialWriteBenchmark {

    @Param({"RINGFILE_IO_URING", "RINGFILE_NIO", "FILE_CHANNEL", "ASYNC_FILE_CHANNEL"})
    public Engine engine;

    @Param({"1g"})
    public String fileSize;

    @Param({"65536", "1048576"})
    public int blockSize;

    @Param({"1", "8", "32"})
    public int queueDepth;

    private EngineRuntime runtime;
    private OpenFile file;
    private Path target;
    private ByteBuffer[] buffers;
    private long size;

    /** GiB written per second, as a JMH secondary result. */
    @AuxCounters(AuxCounters.Type.OPERATIONS)
    @State(Scope.Thread)
    public static class Written {
        public double GiB;

        @Setup(Level.Iteration)
        public void reset() {
            GiB = 0;
        }
    }

    @Setup(Level.Trial)
    public void setup() throws IOException {
        size = TestFiles.parseSize(fileSize);
        target = TestFiles.dir().resolve("write-" + size + ".bin");
        TestFiles.create(target, size);
        buffers = new ByteBuffer[queueDepth];
        for (int i = 0; i < queueDepth; i++) {
            buffers[i] = ByteBuffer.allocateDirect(blockSize);
            Buffers.fill(buffers[i]);
        }
        runtime = EngineRuntime.start(engine);
        file = runtime.open(target, Options.write());
    }

    @Benchmark
    public long writeAndFsync(Written written) throws Exception {
        Load load = Load.start(file, new Load.Spec()
                .pattern(Load.Pattern.SEQUENTIAL).mix(Load.Mix.WRITE)
                .blockSize(blockSize).queueDepth(queueDepth).fileSize(size)
                .totalOps(size / blockSize).buffers(buffers), null);
        load.awaitDone();
        file.forceBlocking(true);
        written.GiB += (double) load.completedBytes() / (1L << 30);
        return load.completedOps();
    }

    @TearDown(Level.Trial)
    public void tearDown() throws IOException {
        try {
            file.close();
        } finally {
            runtime.close();
            Files.deleteIfExists(target);
        }
    }
}
