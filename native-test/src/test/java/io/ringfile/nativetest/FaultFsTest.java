package io.ringfile.nativetest;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.ringfile.AsyncFile;
import io.ringfile.EngineMetrics;
import io.ringfile.FileEngine;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

import static io.ringfile.nativetest.Engines.await;
import static io.ringfile.nativetest.Engines.failure;
import static java.nio.file.StandardOpenOption.CREATE_NEW;
import static java.nio.file.StandardOpenOption.READ;
import static java.nio.file.StandardOpenOption.WRITE;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * I/O errors, short transfers and slow operations injected by a real FUSE file system (faultfs), on both backends.
 */
@ExtendWith(LeakCheck.class)
@Timeout(120)
class FaultFsTest {
    private static final String EIO = "Input/output error";

    private static Path base;
    /** Every read and write reaches faultfs as the application makes it. */
    private static FaultFs direct;
    /** Writes are cached and reach faultfs at write-back, as on a local disk. */
    private static FaultFs writeback;

    /** Why these tests cannot run here, or null: checked by each test (see {@link Native#setUp}). */
    private static String skipReason;

    @BeforeAll
    static void mountFaultFs() throws Exception {
        skipReason = Native.setUp(() -> {
            Native.assumeLinuxRoot();
            base = Files.createTempDirectory("ringfile-faultfs-");
            direct = FaultFs.mount(Files.createDirectories(base.resolve("direct")), FaultFs.Mode.DIRECT_IO);
            writeback = FaultFs.mount(Files.createDirectories(base.resolve("writeback")), FaultFs.Mode.WRITEBACK);
        });
    }

    @AfterAll
    static void unmount() {
        if (direct != null) {
            direct.close();
        }
        if (writeback != null) {
            writeback.close();
        }
        ChildJvm.deleteTree(base);
    }

    @BeforeEach
    void noRules() {
        Native.assumeSetUp(skipReason);
        direct.clear();
        writeback.clear();
    }

    private static byte[] random(int size, long seed) {
        byte[] bytes = new byte[size];
        new Random(seed).nextBytes(bytes);
        return bytes;
    }

    private static String name(String test, FileEngine.Backend backend) {
        return test + "-" + backend + "-" + System.nanoTime();
    }

    private static void assertIoError(Throwable error, Path path) {
        FileSystemException e = assertInstanceOf(FileSystemException.class, error, () -> "got " + error);
        assertEquals(EIO, e.getReason(), e::toString);
        assertEquals(path.toString(), e.getFile(), "the exception names the file");
    }

    // ---------------------------------------------------------------- EIO on read and write

    @ParameterizedTest
    @EnumSource(names = {"IO_URING", "NIO"})
    void eioOnReadIsReportedNamingThePathAndTheNextReadWorks(FileEngine.Backend backend) throws IOException {
        byte[] data = random(100_000, 1);
        String name = name("read", backend);
        Files.write(direct.backing(name), data);
        Path path = direct.path(name);
        try (FileEngine engine = Engines.start(backend);
             AsyncFile file = Engines.open(engine.open(path, READ))) {
            long fired = direct.fired();
            direct.rule("read", 5, 0, 1, 0);
            ByteBuffer dst = ByteBuffer.allocateDirect(data.length);
            assertIoError(failure(file.readFully(dst, 0)), path);
            assertEquals(fired + 1, direct.fired(), "faultfs failed exactly one read");

            dst.clear();
            assertEquals(data.length, await(file.readFully(dst, 0)), "the handle still reads after the error");
            byte[] back = new byte[data.length];
            dst.flip().get(back);
            assertArrayEquals(data, back);
        }
    }

    @ParameterizedTest
    @EnumSource(names = {"IO_URING", "NIO"})
    void eioOnWriteIsReportedNamingThePathAndTheNextWriteWorks(FileEngine.Backend backend) throws IOException {
        byte[] data = random(100_000, 2);
        Path path = direct.path(name("write", backend));
        try (FileEngine engine = Engines.start(backend);
             AsyncFile file = Engines.open(engine.open(path, CREATE_NEW, READ, WRITE))) {
            direct.rule("write", 5, 0, 1, 0);
            assertIoError(failure(file.writeFully(ByteBuffer.wrap(data), 0)), path);
            assertEquals(data.length, await(file.writeFully(ByteBuffer.wrap(data), 0)));
            await(file.force(false));
        }
        assertArrayEquals(data, Files.readAllBytes(path));
    }

    // ---------------------------------------------------------------- short transfers

    @ParameterizedTest
    @EnumSource(names = {"IO_URING", "NIO"})
    void shortReadsAreReportedAsShortAndReadFullyLoopsOverThem(FileEngine.Backend backend) throws IOException {
        byte[] data = random(256 * 1024, 3);
        String name = name("shortread", backend);
        Files.write(direct.backing(name), data);
        try (FileEngine engine = Engines.start(backend);
             AsyncFile file = Engines.open(engine.open(direct.path(name), READ))) {
            direct.rule("read", -1, 0, -1, 0); // every read transfers half of what it is asked for
            long fired = direct.fired();
            ByteBuffer single = ByteBuffer.allocateDirect(8192);
            int n = await(file.read(single, 0));
            assertTrue(n > 0 && n < 8192, "a single read reports the short count: " + n);
            assertEquals(n, single.position());

            ByteBuffer all = ByteBuffer.allocate(data.length);
            assertEquals(data.length, await(file.readFully(all, 0)));
            assertArrayEquals(data, all.array());
            assertTrue(direct.fired() > fired + 2, "faultfs shortened the reads");
        }
    }

    /**
     * A write that the file system completes only in part is never reported as complete. Which way the kernel
     * reports it depends on how the write reaches FUSE: a synchronous pwrite (the NIO backend) returns the short
     * count, and {@code writeFully} writes the rest; an asynchronous direct write (io_uring's, Linux 6.18) is turned
     * into EIO by FUSE itself (fs/fuse/file.c, fuse_get_res_by_io), which the engine reports as an I/O error.
     */
    @ParameterizedTest
    @EnumSource(names = {"IO_URING", "NIO"})
    void shortWritesAreNeverReportedAsComplete(FileEngine.Backend backend) throws IOException {
        byte[] data = random(256 * 1024, 8);
        Path path = direct.path(name("shortwrite", backend));
        try (FileEngine engine = Engines.start(backend);
             AsyncFile file = Engines.open(engine.open(path, CREATE_NEW, READ, WRITE))) {
            direct.rule("write", -1, 0, -1, 0); // every write transfers half of what it is given
            ByteBuffer one = ByteBuffer.allocateDirect(8192).put(data, 0, 8192).flip();
            Engines.Outcome<Integer> single = Engines.outcome(file.write(one, 0));
            if (single.error != null) {
                assertIoError(single.error, path);
                assertTrue(backend == FileEngine.Backend.IO_URING, "only asynchronous writes see EIO: " + single.error);
                assertIoError(failure(file.writeFully(ByteBuffer.wrap(data), 0)), path);
                return;
            }
            int n = single.value;
            assertTrue(n > 0 && n < 8192, "a single write reports the short count: " + n);
            assertEquals(n, one.position());
            assertEquals(data.length, await(file.writeFully(ByteBuffer.wrap(data), 0)), "writeFully loops");
        }
        assertArrayEquals(data, Files.readAllBytes(direct.backing(path.getFileName().toString())));
    }

    // ---------------------------------------------------------------- fsync errors

    /**
     * What the kernel does, shown with the JDK's own FileChannel: written data whose write-back fails is reported
     * by the next fsync (EIO), and then forgotten: a second fsync succeeds although the data never reached the
     * backing store, while reads through the same mount still return it from the page cache. (Linux reports a
     * write-back error once per open file; the dirty pages are dropped or marked clean.) This is why an engine must
     * remember a failed fsync itself.
     */
    @Test
    void kernelReportsALostWriteBackOnceThenFsyncSucceedsAgain() throws IOException {
        byte[] data = random(64 * 1024, 4);
        String name = "kernel-" + System.nanoTime();
        try (FileChannel channel = FileChannel.open(writeback.path(name), CREATE_NEW, READ, WRITE)) {
            assertEquals(data.length, channel.write(ByteBuffer.wrap(data), 0)); // into the page cache
            writeback.rule("write", 5, 0, -1, 0); // write-back fails from now on
            IOException first = assertThrows(IOException.class, () -> channel.force(false));
            assertEquals(EIO, first.getMessage());
            writeback.clear();
            channel.force(false); // no exception: the error was reported once and is gone
            assertEquals(0, Files.size(writeback.backing(name)), "the data never reached the backing file");
            ByteBuffer back = ByteBuffer.allocate(data.length);
            assertEquals(data.length, channel.read(back, 0));
            assertArrayEquals(data, back.array(), "the page cache still serves the lost data");
        }
    }

    /**
     * The engine's promise ({@link AsyncFile#force}: "an error is never reported as success"): after a failed
     * force, a later force on the same handle must not report success for the data that was lost.
     */
    @ParameterizedTest
    @EnumSource(names = {"IO_URING", "NIO"})
    void aFailedForceIsNotFollowedByASuccessfulOneForLostWriteBack(FileEngine.Backend backend) throws IOException {
        byte[] data = random(64 * 1024, 5);
        Path path = writeback.path(name("lost", backend));
        try (FileEngine engine = Engines.start(backend);
             AsyncFile file = Engines.open(engine.open(path, CREATE_NEW, READ, WRITE))) {
            assertEquals(data.length, await(file.writeFully(ByteBuffer.wrap(data), 0)));
            writeback.rule("write", 5, 0, -1, 0);
            assertIoError(failure(file.force(false)), path);
            writeback.clear();
            assertEquals(0, Files.size(writeback.backing(path.getFileName().toString())), "the data is lost");
            Throwable second = Engines.outcome(file.force(false)).error;
            assertTrue(second != null, "a second force reported success although the written data was lost");
            assertInstanceOf(IOException.class, second);
        }
    }

    @ParameterizedTest
    @EnumSource(names = {"IO_URING", "NIO"})
    void eioFromFsyncIsReportedAndNotFollowedByASuccessfulForce(FileEngine.Backend backend) throws IOException {
        Path path = direct.path(name("fsync", backend));
        try (FileEngine engine = Engines.start(backend);
             AsyncFile file = Engines.open(engine.open(path, CREATE_NEW, READ, WRITE))) {
            await(file.writeFully(ByteBuffer.wrap(random(4096, 6)), 0));
            direct.rule("fsync", 5, 0, 1, 0);
            assertIoError(failure(file.force(true)), path);
            Throwable second = Engines.outcome(file.force(true)).error;
            assertTrue(second != null, "a force after a failed fsync reported success: the device never confirmed"
                    + " the data written before the failure");
        }
    }

    // ---------------------------------------------------------------- slow operations and timeouts

    /**
     * Reads and writes that faultfs holds for seconds, given a 200 ms deadline with {@code orTimeout}: each future
     * fails with TimeoutException while the operation is still in the kernel, its buffer stays referenced by the
     * engine until the kernel completes it, and then is released exactly once per operation.
     */
    @ParameterizedTest
    @EnumSource(names = {"IO_URING", "NIO"})
    void timedOutOperationsKeepTheirBufferUntilTheKernelCompletesThem(FileEngine.Backend backend)
            throws Exception {
        int delayMillis = 4000;
        int size = 64 * 1024;
        String name = name("slow", backend);
        byte[] data = random(size, 7);
        Files.write(direct.backing(name), data);
        Path path = direct.path(name);
        try (FileEngine engine = Engines.start(backend);
             AsyncFile file = Engines.open(engine.open(path, READ, WRITE))) {
            direct.rule("read", 0, 0, -1, delayMillis);
            direct.rule("write", 0, 0, -1, delayMillis);
            List<CountingByteBuf> buffers = new ArrayList<>();
            List<CompletableFuture<Integer>> ops = new ArrayList<>();
            long started = System.nanoTime();
            for (int i = 0; i < 4; i++) {
                CountingByteBuf buf = new CountingByteBuf(size);
                if (i % 2 == 1) {
                    buf.writeBytes(data);
                }
                buffers.add(buf);
                CompletableFuture<Integer> op = i % 2 == 0 ? file.readFully(buf, 0) : file.writeFully(buf, 0);
                ops.add(op.orTimeout(200, TimeUnit.MILLISECONDS));
            }
            for (int i = 0; i < ops.size(); i++) {
                Throwable error = failure(ops.get(i));
                assertInstanceOf(TimeoutException.class, error, "the deadline fired first");
                long elapsedMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started);
                CountingByteBuf buf = buffers.get(i);
                if (elapsedMillis < delayMillis - 500) { // the operations surely are still in the kernel
                    assertEquals(2, buf.refCnt(), "the engine still owns the buffer of a timed-out operation");
                    assertEquals(0, buf.releases.get(), "nothing released before the kernel completed");
                }
            }
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
            for (CountingByteBuf buf : buffers) {
                while (buf.refCnt() != 1) {
                    assertTrue(System.nanoTime() < deadline, "the buffer of a timed-out operation was never released");
                    Thread.sleep(10);
                }
            }
            direct.clear();
            for (int i = 0; i < buffers.size(); i++) {
                CountingByteBuf buf = buffers.get(i);
                assertEquals(1, buf.retains.get(), "one reference taken per operation");
                assertEquals(1, buf.releases.get(), "one release per completion");
                if (i % 2 == 0) {
                    assertEquals(size, buf.writerIndex(), "the kernel finished the timed-out read");
                    byte[] back = new byte[size];
                    buf.getBytes(0, back);
                    assertArrayEquals(data, back);
                } else {
                    assertEquals(size, buf.readerIndex(), "the kernel finished the timed-out write");
                }
                buf.release();
            }
        }
        assertArrayEquals(data, Files.readAllBytes(direct.backing(name)));
    }

    /**
     * The engine's own deadlines (the OperationTimeout open option): reads and writes that faultfs holds for seconds
     * fail with TimeoutException after 200 ms, naming the file; the engine asks the kernel to stop them, but each
     * keeps its buffer until the kernel's completion, released exactly once; each counts as failed once the kernel
     * is done, and no place in the engine's limit stays taken.
     */
    @ParameterizedTest
    @EnumSource(names = {"IO_URING", "NIO"})
    void theEnginesDeadlineFailsSlowOperationsWhileTheyKeepTheirBuffer(FileEngine.Backend backend)
            throws Exception {
        int delayMillis = 3000;
        int size = 64 * 1024;
        String name = name("deadline", backend);
        byte[] data = random(size, 8);
        Files.write(direct.backing(name), data);
        Path path = direct.path(name);
        try (FileEngine engine = Engines.start(backend);
             AsyncFile file = Engines.open(engine.open(path, READ, WRITE,
                     io.ringfile.OperationTimeout.of(java.time.Duration.ofMillis(200))))) {
            direct.rule("read", 0, 0, -1, delayMillis);
            direct.rule("write", 0, 0, -1, delayMillis);
            List<CountingByteBuf> buffers = new ArrayList<>();
            List<CompletableFuture<Integer>> ops = new ArrayList<>();
            long started = System.nanoTime();
            for (int i = 0; i < 4; i++) {
                CountingByteBuf buf = new CountingByteBuf(size);
                if (i % 2 == 1) {
                    buf.writeBytes(data);
                }
                buffers.add(buf);
                ops.add(i % 2 == 0 ? file.readFully(buf, 0) : file.writeFully(buf, 0));
            }
            for (int i = 0; i < ops.size(); i++) {
                Throwable error = failure(ops.get(i));
                long elapsedMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started);
                assertInstanceOf(TimeoutException.class, error, "the deadline fired first");
                assertTrue(error.getMessage().contains(path.toString()) && error.getMessage().contains("200 ms"),
                        error.getMessage());
                assertTrue(elapsedMillis < delayMillis - 500, "failed after " + elapsedMillis + " ms, not at once");
                assertEquals(2, buffers.get(i).refCnt(), "the engine still owns the buffer of a timed-out operation");
                assertEquals(0, buffers.get(i).releases.get(), "nothing released before the kernel completed");
            }
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
            for (CountingByteBuf buf : buffers) {
                while (buf.refCnt() != 1) {
                    assertTrue(System.nanoTime() < deadline, "the buffer of a timed-out operation was never released");
                    Thread.sleep(10);
                }
            }
            long endedMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started);
            System.out.println("[deadline " + backend + "] the kernel ended the timed-out operations after "
                    + endedMillis + " ms (faultfs holds each " + delayMillis + " ms)");
            direct.clear();
            for (CountingByteBuf buf : buffers) {
                assertEquals(1, buf.retains.get(), "one reference taken per operation");
                assertEquals(1, buf.releases.get(), "one release per completion");
                buf.release();
            }
            EngineMetrics m;
            while ((m = engine.metrics()).underWay() > 0 && System.nanoTime() < deadline) {
                Thread.sleep(10); // the count follows the buffer's release by a moment
            }
            assertEquals(2, m.operation(EngineMetrics.Operation.READ).failed(), m::toString);
            assertEquals(2, m.operation(EngineMetrics.Operation.WRITE).failed(), m::toString);
            assertEquals(0, m.underWay(), "every place in the engine's limit given back: " + m);
        }
    }

    // ---------------------------------------------------------------- close and shutdown under load

    /** The descriptor numbers of this process that point to {@code path}. */
    private static List<Integer> fdsOf(Path path) throws IOException {
        List<Integer> fds = new ArrayList<>();
        try (var entries = Files.newDirectoryStream(Path.of("/proc/self/fd"))) {
            for (Path entry : entries) {
                try {
                    if (Files.readSymbolicLink(entry).toString().equals(path.toString())) {
                        fds.add(Integer.parseInt(entry.getFileName().toString()));
                    }
                } catch (IOException ignored) {
                    // closed while listing
                }
            }
        }
        return fds;
    }

    private static String linkOf(int fd) {
        try {
            return Files.readSymbolicLink(Path.of("/proc/self/fd/" + fd)).toString();
        } catch (IOException e) {
            return "(closed)";
        }
    }

    /**
     * A file closed with 300 slow reads in flight (faultfs holds each 100 ms): every future completes, with its
     * data or with ClosedChannelException (AsynchronousCloseException for one stopped in flight); while any is
     * pending the descriptor still refers to the file, so its number cannot be reused under it; files opened
     * meanwhile get other numbers; the close itself completes.
     */
    @ParameterizedTest
    @EnumSource(names = {"IO_URING", "NIO"})
    void closingAFileWithHundredsOfSlowReadsInFlightCompletesEveryFutureAndReusesNoFd(FileEngine.Backend backend)
            throws Exception {
        String name = name("closeload", backend);
        byte[] data = random(1 << 20, 9);
        Files.write(direct.backing(name), data);
        Path path = direct.path(name);
        Path elsewhere = Files.createDirectories(base.resolve("plain-" + name));
        try (FileEngine engine = Engines.start(backend)) {
            AsyncFile file = await(engine.open(path, READ));
            List<Integer> fds = fdsOf(path);
            assertEquals(1, fds.size(), "one descriptor for the file: " + fds);
            int fd = fds.get(0);
            direct.rule("read", 0, 0, -1, 100);
            // ByteBufs tell when the engine is done with a read: it holds a reference from submission until the
            // kernel's completion, and releases it before it closes the descriptor. (A future may complete a
            // little later, on the completion executor, so "future pending" would be the wrong test.)
            List<ByteBuf> buffers = new ArrayList<>();
            List<CompletableFuture<Integer>> reads = new ArrayList<>();
            for (int i = 0; i < 300; i++) {
                ByteBuf buf = Unpooled.directBuffer(4096);
                buffers.add(buf);
                reads.add(file.read(buf, (i * 4096L) % data.length));
            }
            CompletableFuture<Void> closed = file.closeAsync();
            List<AsyncFile> others = new ArrayList<>();
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
            int checks = 0;
            while (buffers.stream().anyMatch(b -> b.refCnt() > 1)) {
                assertTrue(System.nanoTime() < deadline, "reads still in flight after 60 s");
                String link = linkOf(fd);
                // A read still in flight now was in flight when the link was read: the descriptor was held.
                if (buffers.stream().anyMatch(b -> b.refCnt() > 1)) {
                    if (backend == FileEngine.Backend.IO_URING) { // the JDK parks a closed channel's fd elsewhere
                        assertEquals(path.toString(), link, "fd " + fd + " was closed under a read in flight");
                    }
                    checks++;
                }
                if (others.size() < 20) {
                    AsyncFile other = await(engine.open(elsewhere.resolve("o" + others.size()), CREATE_NEW, WRITE));
                    others.add(other);
                    // On NIO a held buffer may belong to a task still queued behind the close: it never reaches the
                    // kernel (the closed channel refuses it), and the JDK manages the descriptor's reuse itself.
                    boolean stillInFlight = backend == FileEngine.Backend.IO_URING
                            && buffers.stream().anyMatch(b -> b.refCnt() > 1);
                    assertTrue(!stillInFlight || !fdsOf(other.path()).contains(fd),
                            "a file opened while reads were in flight got the closing file's descriptor " + fd);
                }
                Thread.sleep(5);
            }
            // io_uring cannot stop a regular-file read the kernel has started: those finish with their data while
            // the descriptor stays open. The JDK's FileChannel (NIO) interrupts blocked reads on close, so there
            // everything may end at once.
            boolean ioUring = backend == FileEngine.Backend.IO_URING;
            assertTrue(checks > 0 || !ioUring, "no check ran while reads were pending");
            int completed = 0;
            for (CompletableFuture<Integer> read : reads) {
                Engines.Outcome<Integer> outcome = Engines.outcome(read);
                if (outcome.error == null) {
                    assertEquals(4096, outcome.value);
                    completed++;
                } else {
                    assertInstanceOf(java.nio.channels.ClosedChannelException.class, outcome.error,
                            "only the close may stop a read");
                }
            }
            assertTrue(completed > 0 || !ioUring, "reads already in the kernel finish normally");
            for (ByteBuf buf : buffers) {
                assertEquals(1, buf.refCnt(), "the engine gave every buffer back");
                buf.release();
            }
            await(closed);
            assertTrue(!fdsOf(path).contains(fd), "the descriptor is closed once the reads are done");
            for (AsyncFile other : others) {
                await(other.closeAsync());
            }
        } finally {
            direct.clear();
        }
    }

    /**
     * Engine shutdown with 300 slow reads in flight over three files: close() returns within its documented bound
     * (twice the shutdown timeout plus five seconds at most), and every future completes, with a value or with
     * ClosedChannelException / ClosedFileSystemException.
     */
    @ParameterizedTest
    @EnumSource(names = {"IO_URING", "NIO"})
    void engineShutdownWithHundredsOfSlowReadsInFlightCompletesEveryFuture(FileEngine.Backend backend)
            throws Exception {
        String name = name("shutdownload", backend);
        byte[] data = random(1 << 20, 10);
        Files.write(direct.backing(name), data);
        Path path = direct.path(name);
        long shutdownMillis = 2000;
        List<CompletableFuture<Integer>> reads = new ArrayList<>();
        try {
            FileEngine engine = Engines.start(FileEngine.builder().backend(backend)
                    .shutdownTimeout(java.time.Duration.ofMillis(shutdownMillis)));
            List<AsyncFile> files = new ArrayList<>();
            for (int f = 0; f < 3; f++) {
                files.add(await(engine.open(path, READ)));
            }
            direct.rule("read", 0, 0, -1, 100);
            for (int i = 0; i < 300; i++) {
                reads.add(files.get(i % 3).read(ByteBuffer.allocateDirect(4096), (i * 4096L) % data.length));
            }
            long start = System.nanoTime();
            engine.close();
            long tookMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
            assertTrue(tookMillis < shutdownMillis * 2 + 5000, "close() took " + tookMillis + " ms");
            for (CompletableFuture<Integer> read : reads) {
                Engines.Outcome<Integer> outcome = Engines.outcome(read);
                if (outcome.error == null) {
                    assertEquals(4096, outcome.value);
                } else {
                    assertTrue(outcome.error instanceof java.nio.channels.ClosedChannelException
                                    || outcome.error instanceof java.nio.file.ClosedFileSystemException,
                            "unexpected failure " + outcome.error);
                }
            }
            for (AsyncFile file : files) {
                assertTrue(!file.isOpen(), "engine shutdown closed " + file);
            }
        } finally {
            direct.clear();
        }
    }
}
