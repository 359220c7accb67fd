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
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

/*
 * Workload (JDK 21 and newer): `threads` virtual threads, each making random 4 KiB positional reads of one file
 * (fileSize, default 4 GiB) through a blocking FileChannel: the JDK's (FILE_CHANNEL) or a Ringfile io_uring
 * engine's (RINGFILE_CHANNEL, FileEngine.newFileChannel). cache=HOT: the file is read whole first; COLD: the file
 * is dropped from the page cache (posix_fadvise) before every iteration, so each iteration starts with nothing
 * cached and 2 s of reads touch a few per cent of it; DIRECT: opened with O_DIRECT, aligned buffers.
 * The JDK's FileChannel holds its carrier for the whole read (since JDK 23 the scheduler adds no carriers for file
 * I/O); Ringfile's parks the virtual thread on a miss and, on JDK 22+ with native access, reads a cache hit on the
 * caller's thread (preadv2 RWF_NOWAIT). After each iteration the carrier threads alive are printed ("# carriers").
 * Score: ops/s is reads per second (1024 per call).
 */
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Fork(value = 1, jvmArgsAppend = {"--enable-native-access=ALL-UNNAMED"})
@Warmup(iterations = 1, time = 2)
@Measurement(iterations = 3, time = 2)
public class BlockingChannelBenchmark extends LoadState {
    static final int BATCH = 1024;

    /** How the reads meet the page cache. */
    public enum CacheState { HOT, COLD, DIRECT }

    @Param({"FILE_CHANNEL", "RINGFILE_CHANNEL"})
    public Engine engine;

    @Param({"1024"})
    public int threads;

    @Param({"HOT", "COLD", "DIRECT"})
    public CacheState cache;

    @Param({"4g"})
    public String fileSize;

    private Path data;

    @Setup(Level.Trial)
    public void setup() throws IOException {
        String unavailable = VirtualThreads.unavailableReason();
        if (unavailable != null) {
            throw new UnsupportedOperationException("BlockingChannelBenchmark skipped: " + unavailable);
        }
        if (engine != Engine.FILE_CHANNEL && engine != Engine.RINGFILE_CHANNEL && engine != Engine.RINGFILE_PROVIDER) {
            throw new UnsupportedOperationException(engine + " has no blocking FileChannel");
        }
        long size = TestFiles.parseSize(fileSize);
        data = TestFiles.dataFile(size);
        if (cache == CacheState.HOT) {
            TestFiles.warm(data);
        }
        begin(engine, data, Options.read(cache == CacheState.DIRECT), new Load.Spec()
                .pattern(Load.Pattern.RANDOM).mix(Load.Mix.READ).driver(Load.Driver.VIRTUAL_THREADS)
                .blockSize(4096).queueDepth(threads).fileSize(size).aligned(cache == CacheState.DIRECT),
                "blocking channel " + engine + " threads=" + threads + " " + cache);
    }

    /** COLD: nothing of the file in memory as the iteration starts (the readers keep going meanwhile). */
    @Setup(Level.Iteration)
    public void dropCache() throws IOException {
        if (cache == CacheState.COLD) {
            long resident = TestFiles.dropFromCache(data);
            System.out.println("# dropped from the page cache, " + resident + " bytes stayed");
        }
    }

    @TearDown(Level.Iteration)
    public void countCarriers() {
        long carriers = Thread.getAllStackTraces().keySet().stream()
                .filter(t -> t.getName().startsWith("ForkJoinPool-") && t.getName().contains("-worker-"))
                .count();
        System.out.println("# carriers " + carriers);
    }

    @Benchmark
    @OperationsPerInvocation(BATCH)
    public long read4k() {
        return await(BATCH);
    }
}
