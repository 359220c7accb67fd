package io.ringfile.nativetest;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.ringfile.AsyncFile;
import io.ringfile.FileEngine;
import org.junit.platform.launcher.Launcher;
import org.junit.platform.launcher.LauncherDiscoveryRequest;
import org.junit.platform.launcher.TestExecutionListener;
import org.junit.platform.launcher.TestIdentifier;
import org.junit.platform.launcher.core.LauncherDiscoveryRequestBuilder;
import org.junit.platform.launcher.core.LauncherFactory;
import org.junit.platform.launcher.listeners.SummaryGeneratingListener;
import org.junit.platform.launcher.listeners.TestExecutionSummary;
import org.junit.platform.engine.discovery.DiscoverySelectors;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedChannelException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Supplier;
import java.util.stream.Collectors;

import static java.nio.file.StandardOpenOption.CREATE_NEW;
import static java.nio.file.StandardOpenOption.READ;
import static java.nio.file.StandardOpenOption.WRITE;

/**
 * The program a fallback test runs in a forked JVM, under seccomp, a memlock limit or without the native library.
 * It reports on standard output, one fact per line, for {@link FallbackTest} to check:
 * <pre>
 *   INFO key=value     a fact (backend, fallback reason, exception text, counts)
 *   PASS name          a check that held
 *   FAIL name: detail  a check that did not
 *   DONE failures=N    the last line; the exit status is 0 exactly when N is 0
 * </pre>
 * Usage: {@code FallbackProbe WORK_DIR [auto] [require] [contract]}:
 * <ul>
 *   <li>{@code auto}: builds a default engine, reports its backend and fallback reason, and runs a representative set
 *       of operations on it (round trips, whole-file helpers, size/truncate/force, error mapping, a closed file), then
 *       checks the engine's threads end after close.
 *   <li>{@code require}: builds engines that require io_uring, reports whether that was refused and with what, and
 *       checks the attempts leave no thread and no file descriptor behind.
 *   <li>{@code contract}: runs the engine's contract suite here ({@code DefaultEngineContractTest} and the channel
 *       contract {@code DefaultEngineChannelContractTest}, on the backend the default engine picks, and
 *       {@code IoUringContractTest}, which must skip where io_uring cannot run) and reports the counts.
 * </ul>
 */
public final class FallbackProbe {
    private static final long WAIT_SECONDS = 30;
    private static int failures;

    private FallbackProbe() {
    }

    public static void main(String[] args) throws Exception {
        Path work = Path.of(args[0]);
        Set<String> modes = Set.copyOf(Arrays.asList(args).subList(1, args.length));
        Files.createDirectories(work);
        info("uid", Files.readAllLines(Path.of("/proc/self/status")).stream().filter(l -> l.startsWith("Uid:"))
                .map(l -> l.split("\\s+")[2]).findFirst().orElse("?"));
        info("java", Runtime.version());
        if (modes.contains("auto")) {
            auto(work);
        }
        if (modes.contains("require")) {
            require();
        }
        if (modes.contains("contract")) {
            contract("io.ringfile.DefaultEngineContractTest");
            contract("io.ringfile.DefaultEngineChannelContractTest");
            contract("io.ringfile.IoUringContractTest");
        }
        System.out.println("DONE failures=" + failures);
        System.out.flush();
        System.exit(failures == 0 ? 0 : 1);
    }

    // ---------------------------------------------------------------- auto

    private static void auto(Path work) throws Exception {
        FileEngine engine = FileEngine.builder().threadNamePrefix("probe").build();
        info("backend", engine.backend());
        info("reason", engine.fallbackReason().orElse("-"));
        try {
            check("roundTrip", () -> roundTrip(engine, work.resolve("round.bin")));
            check("wholeFile", () -> wholeFile(engine, work.resolve("whole.txt")));
            check("sizeTruncateForce", () -> sizeTruncateForce(engine, work.resolve("trunc.bin")));
            check("missingFile", () -> missingFile(engine, work.resolve("no-such-dir").resolve("missing.bin")));
            check("closedFile", () -> closedFile(engine, work.resolve("closed.bin")));
        } finally {
            engine.close();
        }
        check("engineThreadsEnd", () -> {
            Set<String> left = settle(() -> threadsNamed("probe"), Set::isEmpty);
            expect(left.isEmpty(), "engine threads still alive after close: " + left);
        });
    }

    private static void roundTrip(FileEngine engine, Path path) throws Exception {
        byte[] data = random(300_000, 1);
        try (AsyncFile file = get(engine.open(path, CREATE_NEW, READ, WRITE))) {
            ByteBuffer direct = ByteBuffer.allocateDirect(data.length).put(data).flip();
            expect(get(file.writeFully(direct, 100)) == data.length, "writeFully wrote everything");
            ByteBuffer heap = ByteBuffer.allocate(data.length);
            expect(get(file.readFully(heap, 100)) == data.length, "readFully read everything");
            expect(Arrays.equals(data, heap.array()), "heap read returns what was written");
            ByteBuf buf = Unpooled.directBuffer(data.length);
            try {
                expect(get(file.readFully(buf, 100)) == data.length, "ByteBuf read");
                byte[] back = new byte[data.length];
                buf.getBytes(0, back);
                expect(Arrays.equals(data, back), "ByteBuf read returns what was written");
                expect(buf.refCnt() == 1, "the engine released its reference to the ByteBuf");
            } finally {
                buf.release();
            }
            expect(get(file.read(ByteBuffer.allocate(10), 100 + data.length)) == -1, "read at end gives -1");
        }
        byte[] onDisk = Files.readAllBytes(path);
        expect(Arrays.equals(data, Arrays.copyOfRange(onDisk, 100, onDisk.length)), "java.io sees the same bytes");
    }

    private static void wholeFile(FileEngine engine, Path path) throws Exception {
        byte[] big = random(3 * 1024 * 1024 + 5, 2);
        expect(get(engine.write(path, big)).equals(path), "write returns the path");
        expect(Arrays.equals(big, get(engine.readAllBytes(path))), "readAllBytes returns what write wrote");
        expect(get(engine.size(path)) == big.length, "size(path)");
        get(engine.writeString(path, "héllo"));
        expect("héllo".equals(get(engine.readString(path))), "readString returns what writeString wrote");
    }

    private static void sizeTruncateForce(FileEngine engine, Path path) throws Exception {
        Files.write(path, random(10_000, 3));
        try (AsyncFile file = get(engine.open(path, READ, WRITE))) {
            expect(get(file.size()) == 10_000, "size");
            get(file.truncate(4_000));
            expect(get(file.size()) == 4_000, "size after truncate");
            get(file.write(ByteBuffer.wrap(new byte[] {7}), 4_000));
            get(file.force(false));
            get(file.force(true));
            expect(get(file.size()) == 4_001, "size after a write at the end");
        }
    }

    private static void missingFile(FileEngine engine, Path missing) {
        for (CompletableFuture<?> attempt : List.of(engine.open(missing), engine.readAllBytes(missing),
                engine.size(missing))) {
            Throwable error = failure(attempt);
            expect(error instanceof NoSuchFileException, "NoSuchFileException expected, got " + error);
            expect(missing.toString().equals(((NoSuchFileException) error).getFile()), "the exception names the path");
        }
    }

    private static void closedFile(FileEngine engine, Path path) throws Exception {
        AsyncFile file = get(engine.open(path, CREATE_NEW, READ, WRITE));
        file.close();
        Throwable error = failure(file.read(ByteBuffer.allocate(1), 0));
        expect(error instanceof ClosedChannelException, "ClosedChannelException expected, got " + error);
    }

    // ---------------------------------------------------------------- require

    private static void require() {
        attemptRequire("warmup"); // loads every class involved, so the snapshot below is stable
        Map<Integer, String> fdsBefore = fds();
        Set<String> threadsBefore = threadNames();
        for (int i = 0; i < 3; i++) {
            attemptRequire("attempt" + i);
        }
        check("requireLeavesNoThreads", () -> {
            Set<String> extra = settle(() -> minus(threadNames(), threadsBefore), Set::isEmpty);
            expect(extra.isEmpty(), "threads left behind: " + extra);
        });
        check("requireLeavesNoFds", () -> {
            Map<Integer, String> extra = settle(() -> minus(fds(), fdsBefore), Map::isEmpty);
            expect(extra.isEmpty(), "file descriptors left behind: " + extra);
        });
        info("ioUringFdsOpen", fds().values().stream().filter(t -> t.equals("anon_inode:[io_uring]")).count());
    }

    private static void attemptRequire(String name) {
        try {
            FileEngine engine = FileEngine.builder().backend(FileEngine.Backend.IO_URING)
                    .threadNamePrefix("require-" + name).build();
            info("require." + name, "built " + engine.backend());
            engine.close();
        } catch (UnsupportedOperationException e) {
            info("require." + name, "refused");
            info("require." + name + ".message", e.getMessage());
            info("require." + name + ".cause", e.getCause());
        } catch (Throwable e) {
            fail("require." + name, "unexpected " + stackTrace(e));
        }
    }

    // ---------------------------------------------------------------- contract

    private static void contract(String className) {
        String name = className.substring(className.lastIndexOf('.') + 1);
        LauncherDiscoveryRequest request = LauncherDiscoveryRequestBuilder.request()
                .selectors(DiscoverySelectors.selectClass(className)).build();
        SummaryGeneratingListener summary = new SummaryGeneratingListener();
        AtomicReference<String> skipReason = new AtomicReference<>("-");
        TestExecutionListener skips = new TestExecutionListener() {
            @Override
            public void executionFinished(TestIdentifier test, org.junit.platform.engine.TestExecutionResult result) {
                if (result.getStatus() == org.junit.platform.engine.TestExecutionResult.Status.ABORTED) {
                    result.getThrowable().ifPresent(t -> skipReason.compareAndSet("-", String.valueOf(t.getMessage())));
                }
            }
        };
        Launcher launcher = LauncherFactory.create();
        launcher.execute(request, summary, skips);
        TestExecutionSummary s = summary.getSummary();
        info("contract." + name, "found=" + s.getTestsFoundCount() + " succeeded=" + s.getTestsSucceededCount()
                + " failed=" + s.getTotalFailureCount() + " aborted=" + s.getTestsAbortedCount()
                + " skipped=" + s.getTestsSkippedCount());
        info("contract." + name + ".skipReason", skipReason.get().replace('\n', ' '));
        for (TestExecutionSummary.Failure failure : s.getFailures()) {
            fail("contract." + name + "." + failure.getTestIdentifier().getDisplayName(),
                    stackTrace(failure.getException()));
        }
    }

    // ---------------------------------------------------------------- helpers

    private interface Check {
        void run() throws Exception;
    }

    private static void check(String name, Check check) {
        try {
            check.run();
            System.out.println("PASS " + name);
        } catch (Throwable e) {
            fail(name, stackTrace(e));
        }
    }

    private static void fail(String name, String detail) {
        failures++;
        System.out.println("FAIL " + name + ": " + detail.replace('\n', '|'));
    }

    private static void info(String key, Object value) {
        System.out.println("INFO " + key + "=" + String.valueOf(value).replace('\n', ' '));
    }

    private static void expect(boolean condition, String what) {
        if (!condition) {
            throw new AssertionError(what);
        }
    }

    private static <T> T get(CompletableFuture<T> future) throws Exception {
        try {
            return future.get(WAIT_SECONDS, TimeUnit.SECONDS);
        } catch (ExecutionException e) {
            throw new AssertionError("operation failed: " + e.getCause(), e.getCause());
        }
    }

    private static Throwable failure(CompletableFuture<?> future) {
        try {
            Object value = future.get(WAIT_SECONDS, TimeUnit.SECONDS);
            throw new AssertionError("expected a failure, got " + value);
        } catch (ExecutionException e) {
            return e.getCause();
        } catch (Exception e) {
            throw new AssertionError("future did not complete: " + e, e);
        }
    }

    /** Polls {@code current} until {@code done} holds or 10 s pass; returns the last value. */
    private static <T> T settle(Supplier<T> current, java.util.function.Predicate<T> done) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        T value = current.get();
        while (!done.test(value) && System.nanoTime() < deadline) {
            Thread.sleep(50);
            value = current.get();
        }
        return value;
    }

    private static byte[] random(int size, long seed) {
        byte[] bytes = new byte[size];
        new Random(seed).nextBytes(bytes);
        return bytes;
    }

    private static Set<String> threadsNamed(String prefix) {
        return threadNames().stream().filter(n -> n.startsWith(prefix)).collect(Collectors.toCollection(TreeSet::new));
    }

    /** Live threads, except the common pool's workers, which come and go on their own. */
    private static Set<String> threadNames() {
        return Thread.getAllStackTraces().keySet().stream()
                .filter(Thread::isAlive)
                .map(Thread::getName)
                .filter(n -> !n.startsWith("ForkJoinPool.commonPool-worker"))
                .collect(Collectors.toCollection(TreeSet::new));
    }

    /** This process's open descriptors and what they point to, without the one used to list them. */
    static Map<Integer, String> fds() {
        Map<Integer, String> fds = new TreeMap<>();
        Path dir = Path.of("/proc/self/fd");
        try (DirectoryStream<Path> entries = Files.newDirectoryStream(dir)) {
            for (Path entry : entries) {
                try {
                    String target = Files.readSymbolicLink(entry).toString();
                    if (!target.startsWith("/proc/")) {
                        fds.put(Integer.parseInt(entry.getFileName().toString()), target);
                    }
                } catch (IOException ignored) {
                    // closed while listing
                }
            }
        } catch (IOException e) {
            throw new AssertionError("cannot list " + dir, e);
        }
        return fds;
    }

    private static Set<String> minus(Set<String> now, Set<String> before) {
        Set<String> extra = new TreeSet<>(now);
        extra.removeAll(before);
        return extra;
    }

    private static Map<Integer, String> minus(Map<Integer, String> now, Map<Integer, String> before) {
        Map<Integer, String> extra = new TreeMap<>(now);
        extra.entrySet().removeIf(e -> e.getValue().equals(before.get(e.getKey())));
        return extra;
    }

    private static String stackTrace(Throwable e) {
        StringWriter out = new StringWriter();
        e.printStackTrace(new PrintWriter(out));
        return out.toString();
    }
}
