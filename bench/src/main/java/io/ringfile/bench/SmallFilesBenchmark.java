package io.ringfile.bench;

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
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/*
 * Workload: the everyday use, one whole-file call at a time from one thread over 64 small files of fileSize bytes
 * (4 KiB, 64 KiB, 1 MiB; ASCII text, page cache hot), taken in turn: op=READ_ALL_BYTES (Files.readAllBytes and
 * its twins), READ_STRING (UTF-8 decode included) or WRITE (Files.write: create/truncate, write, close; no fsync).
 * FILE_CHANNEL is java.nio.file.Files itself; ASYNC_FILE_CHANNEL is what a caller writes by hand (open, size, read
 * loop on futures, close); the Ringfile engines call readAllBytes/readString/write and join.
 * Score: average time per file, µs.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Fork(1)
@Warmup(iterations = 2, time = 2)
@Measurement(iterations = 3, time = 3)
@State(Scope.Benchmark)
public class SmallFilesBenchmark {
    static final int FILES = 64;

    /** The whole-file operation. */
    public enum Op { READ_ALL_BYTES, READ_STRING, WRITE }

    @Param({"RINGFILE_IO_URING", "RINGFILE_NIO", "FILE_CHANNEL", "ASYNC_FILE_CHANNEL"})
    public Engine engine;

    @Param({"4k", "64k", "1m"})
    public String fileSize;

    @Param
    public Op op;

    private EngineRuntime runtime;
    private Path dir;
    private Path[] paths;
    private byte[] content;
    private int next;

    @Setup(Level.Trial)
    public void setup() throws IOException {
        int size = (int) TestFiles.parseSize(fileSize);
        content = new byte[size];
        for (int i = 0; i < size; i++) {
            content[i] = (byte) ('a' + i % 26);
        }
        dir = Files.createTempDirectory(TestFiles.dir(), "small-");
        paths = new Path[FILES];
        for (int i = 0; i < FILES; i++) {
            paths[i] = dir.resolve("file-" + i + ".txt");
            Files.write(paths[i], content);
            Files.readAllBytes(paths[i]);
        }
        runtime = EngineRuntime.start(engine);
    }

    @Benchmark
    public Object run() throws IOException {
        Path path = paths[next++ & (FILES - 1)];
        switch (op) {
            case READ_ALL_BYTES:
                return check(runtime.readAllBytes(path).length);
            case READ_STRING:
                return check(runtime.readString(path).length());
            default:
                runtime.write(path, content);
                return path;
        }
    }

    private Object check(int length) {
        if (length != content.length) {
            throw new IllegalStateException("read " + length + " of " + content.length + " bytes");
        }
        return length;
    }

    @TearDown(Level.Trial)
    public void tearDown() throws IOException {
        try {
            runtime.close();
        } finally {
            try (Stream<Path> files = Files.walk(dir)) {
                for (Path p : files.sorted(Comparator.reverseOrder()).toArray(Path[]::new)) {
                    Files.deleteIfExists(p);
                }
            }
        }
    }
}
