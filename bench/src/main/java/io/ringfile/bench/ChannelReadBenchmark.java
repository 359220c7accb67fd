package io.ringfile.bench;

import io.ringfile.FileEngine;
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
import org.openjdk.jmh.annotations.Threads;
import org.openjdk.jmh.annotations.Warmup;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;

/*
 * Workload: 32 platform threads (JMH threads), each doing random 4 KiB positional reads into a direct buffer of its
 * own from one page-cache-hot file (fileSize, default 256 MiB) through one shared FileChannel: the JDK's
 * (FileChannel.open) or Ringfile's (FileEngine.newFileChannel on io_uring or on the NIO backend). Ringfile's
 * channel lets a platform thread make the pread itself through a JDK channel on the same file, so the three
 * should be close; the difference is the cost of Ringfile's checks around the call.
 * Score: ops/s is reads per second over all threads.
 */
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Fork(1)
@Threads(32)
@Warmup(iterations = 2, time = 2)
@Measurement(iterations = 3, time = 3)
@State(Scope.Benchmark)
public class ChannelReadBenchmark {
    static final int BLOCK = 4096;

    /** Whose FileChannel. */
    public enum Channel { JDK_FILE_CHANNEL, RINGFILE_IO_URING, RINGFILE_NIO }

    @Param({"JDK_FILE_CHANNEL", "RINGFILE_IO_URING", "RINGFILE_NIO"})
    public Channel channel;

    @Param({"256m"})
    public String fileSize;

    private FileEngine engine;
    private FileChannel open;
    private long blocks;

    @Setup(Level.Trial)
    public void setup() throws IOException {
        long size = TestFiles.parseSize(fileSize);
        Path data = TestFiles.dataFile(size);
        TestFiles.warm(data);
        blocks = size / BLOCK;
        switch (channel) {
            case JDK_FILE_CHANNEL:
                open = FileChannel.open(data, StandardOpenOption.READ);
                break;
            case RINGFILE_IO_URING:
                engine = FileEngine.builder().backend(FileEngine.Backend.IO_URING).build();
                open = engine.newFileChannel(data, StandardOpenOption.READ);
                break;
            default:
                engine = FileEngine.builder().backend(FileEngine.Backend.NIO).build();
                open = engine.newFileChannel(data, StandardOpenOption.READ);
                break;
        }
    }

    @TearDown(Level.Trial)
    public void tearDown() throws IOException {
        open.close();
        if (engine != null) {
            engine.close();
        }
    }

    /** Each benchmark thread's buffer and random positions. */
    @State(Scope.Thread)
    public static class PerThread {
        final ByteBuffer buffer = ByteBuffer.allocateDirect(BLOCK);
        final SplittableRandom random = new SplittableRandom(System.nanoTime());
    }

    @Benchmark
    public int read4k(PerThread thread) throws IOException {
        thread.buffer.clear();
        return open.read(thread.buffer, thread.random.nextLong(blocks) * BLOCK);
    }
}
