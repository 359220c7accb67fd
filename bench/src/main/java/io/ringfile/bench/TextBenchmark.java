package io.ringfile.bench;

import io.ringfile.AsyncFiles;
import io.ringfile.AsyncWriter;
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
import org.openjdk.jmh.infra.Blackhole;

import java.io.BufferedWriter;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Flow;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/*
 * Workload (issue 16's text rows): megabytes (200) of short UTF-8 lines, 8 to 32 ASCII characters each (about 21
 * bytes with the separator), page cache hot. op=WRITE writes them, line by line, with write(line) then newLine():
 * JDK is Files.newBufferedWriter, RINGFILE is AsyncFiles.newBufferedWriter joining each call's future (as a caller
 * that awaits every write does; a caller that does not wait gets the same writes). op=READ reads them back: JDK is
 * Files.lines(..).forEach, RINGFILE is AsyncFiles.lines(..) with a subscriber that requests everything. The file is
 * written before each READ iteration and deleted after each WRITE one; the lines come from a pool of 4,096
 * prepared strings, so making them costs neither side anything; `sync` runs before each iteration, so that none
 * starts with dirty pages of another. Score: milliseconds per file (single shot).
 */
@BenchmarkMode(Mode.SingleShotTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Fork(1)
@Warmup(iterations = 2)
@Measurement(iterations = 5)
@State(Scope.Benchmark)
public class TextBenchmark {
    private static final int POOL = 4096;

    /** The text operation. */
    public enum Op { WRITE, READ }

    /** Whose text API. */
    public enum Impl { JDK, RINGFILE }

    @Param
    public Op op;

    @Param
    public Impl impl;

    @Param({"200"})
    public int megabytes;

    private String[] lines;
    private long lineCount;
    private Path dir;
    private Path file;

    @Setup(Level.Trial)
    public void setup() throws IOException {
        Random random = new Random(16);
        lines = new String[POOL];
        long bytes = 0;
        for (int i = 0; i < POOL; i++) {
            char[] c = new char[8 + random.nextInt(25)];
            for (int j = 0; j < c.length; j++) {
                c[j] = (char) (' ' + 1 + random.nextInt(94));
            }
            lines[i] = new String(c);
            bytes += c.length + System.lineSeparator().length();
        }
        lineCount = (long) megabytes * 1024 * 1024 * POOL / bytes;
        dir = Files.createTempDirectory(TestFiles.dir(), "text-");
        file = dir.resolve("lines.txt");
    }

    @Setup(Level.Iteration)
    public void before() throws IOException, InterruptedException {
        if (op == Op.READ) {
            writeJdk();
            TestFiles.warm(file);
        }
        // Every iteration starts with no dirty pages: the kernel's writeback of earlier iterations' files (it
        // throttles writers past its dirty thresholds) must not fall on this one.
        Process sync = new ProcessBuilder("sync").inheritIO().start();
        if (sync.waitFor() != 0) {
            throw new IllegalStateException("sync failed: " + sync.exitValue());
        }
    }

    @TearDown(Level.Iteration)
    public void after() throws IOException {
        if (op == Op.WRITE) {
            long size = Files.size(file);
            Files.delete(file);
            if (size < (long) megabytes * 1024 * 1024 * 99 / 100) {
                throw new IllegalStateException("wrote " + size + " bytes of " + megabytes + " MiB");
            }
        }
    }

    @TearDown(Level.Trial)
    public void tearDown() throws IOException {
        Files.deleteIfExists(file);
        Files.deleteIfExists(dir);
    }

    @Benchmark
    public long run(Blackhole hole) throws Exception {
        if (op == Op.WRITE) {
            if (impl == Impl.JDK) {
                writeJdk();
            } else {
                writeRingfile();
            }
            return lineCount;
        }
        long read = impl == Impl.JDK ? readJdk(hole) : readRingfile(hole);
        if (read != lineCount) {
            throw new IllegalStateException("read " + read + " lines of " + lineCount);
        }
        return read;
    }

    private void writeJdk() throws IOException {
        try (BufferedWriter writer = Files.newBufferedWriter(file)) {
            for (long i = 0; i < lineCount; i++) {
                writer.write(lines[(int) (i & (POOL - 1))]);
                writer.newLine();
            }
        }
    }

    private void writeRingfile() throws IOException {
        try (AsyncWriter writer = AsyncFiles.newBufferedWriter(file).join()) {
            for (long i = 0; i < lineCount; i++) {
                writer.write(lines[(int) (i & (POOL - 1))]).join();
                writer.newLine().join();
            }
        }
    }

    private long readJdk(Blackhole hole) throws IOException {
        long[] count = new long[1];
        try (Stream<String> stream = Files.lines(file)) {
            stream.forEach(line -> {
                hole.consume(line);
                count[0]++;
            });
        }
        return count[0];
    }

    private long readRingfile(Blackhole hole) {
        CompletableFuture<Long> done = new CompletableFuture<>();
        AsyncFiles.lines(file).subscribe(new Flow.Subscriber<String>() {
            private long count;

            @Override
            public void onSubscribe(Flow.Subscription subscription) {
                subscription.request(Long.MAX_VALUE);
            }

            @Override
            public void onNext(String line) {
                hole.consume(line);
                count++;
            }

            @Override
            public void onError(Throwable error) {
                done.completeExceptionally(error);
            }

            @Override
            public void onComplete() {
                done.complete(count);
            }
        });
        return done.join();
    }
}
