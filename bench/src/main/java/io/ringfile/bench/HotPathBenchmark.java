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
 * Workload: the per-operation cost of the read and write hot paths, for allocation measurement: random 4 KiB
 * reads (op=READ) or overwrites without fsync (op=WRITE) at 4 KiB-aligned positions of a page-cache-hot file
 * (fileSize, default 256 MiB), direct buffers, exactly queueDepth (1, 32) in flight.
 * caller=CALLBACK: queueDepth slots, each issuing the next operation from whenComplete of the previous one.
 * caller=JOIN: queueDepth platform threads, each calling read(buffer, position).join() (or write) in a loop; at
 * queueDepth 1 that is one blocking caller, the short report's allocation rows (issue 7: <= 128 B per operation).
 * FILE_CHANNEL is thread-driven either way.
 * Run with -prof gc: gc.alloc.rate.norm is bytes allocated per read or write by all threads of the JVM (JMH's GC
 * profiler counts every thread, so the engine's I/O and completion threads are included). The harness allocates
 * nothing per operation (slots and threads reuse their buffer, slots their callback); with CALLBACK the Ringfile
 * adapter's whenComplete makes one dependent future per operation, as any caller's would; JOIN has no dependent
 * stage, so it shows the engine's own allocation.
 * Score: ops/s is reads or writes per second (1024 per call).
 */
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Fork(1)
@Warmup(iterations = 2, time = 2)
@Measurement(iterations = 3, time = 3)
public class HotPathBenchmark extends LoadState {
    static final int BATCH = 1024;

    /** Which hot path. */
    public enum Op { READ, WRITE }

    /** How callers wait: completion callbacks, or a thread joining each operation. */
    public enum Caller { CALLBACK, JOIN }

    @Param({"RINGFILE_IO_URING", "RINGFILE_NIO", "FILE_CHANNEL", "ASYNC_FILE_CHANNEL"})
    public Engine engine;

    @Param
    public Op op;

    @Param({"1", "32"})
    public int queueDepth;

    @Param
    public Caller caller;

    @Param({"256m"})
    public String fileSize;

    private Path scratch;

    @Setup(Level.Trial)
    public void setup() throws IOException {
        long size = TestFiles.parseSize(fileSize);
        Path path;
        if (op == Op.READ) {
            path = TestFiles.dataFile(size);
        } else {
            scratch = TestFiles.dir().resolve("hotpath-" + size + ".bin");
            TestFiles.create(scratch, size);
            path = scratch;
        }
        TestFiles.warm(path);
        begin(engine, path, op == Op.READ ? Options.read(false) : Options.readWrite(false), new Load.Spec()
                .pattern(Load.Pattern.RANDOM).mix(op == Op.READ ? Load.Mix.READ : Load.Mix.WRITE)
                .blockSize(4096).queueDepth(queueDepth).fileSize(size)
                .driver(caller == Caller.JOIN ? Load.Driver.PLATFORM_THREADS : Load.Driver.CALLBACKS),
                "hot path " + op + " " + engine + " qd=" + queueDepth + " " + caller + " HOT");
    }

    @Benchmark
    @OperationsPerInvocation(BATCH)
    public long io4k() {
        return await(BATCH);
    }

    @TearDown(Level.Trial)
    public void deleteScratch() throws IOException {
        end(); // closes the file before it is deleted
        if (scratch != null) {
            Files.deleteIfExists(scratch);
        }
    }
}
