package io.ringfile.vertx;

import io.ringfile.FileEngine;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.file.AsyncFile;
import io.vertx.core.file.FileSystem;
import io.vertx.core.file.OpenOptions;
import io.vertx.core.internal.VertxInternal;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.ClosedFileSystemException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.function.Function;

import static io.ringfile.vertx.VertxSupport.await;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Where handlers run: on Vert.x's io_uring transport the engine shares the event loops and completes on the issuing
 * loop inside its ring's completion processing (no task hop); on NIO it runs its own backend and hands results to
 * the context. On every transport, handlers run on the caller's context: event loop, worker, or (off any context)
 * the event-loop context Vert.x makes for the calling thread.
 */
@Timeout(120)
class SharedEventLoopsTest {
    @TempDir
    Path dir;
    private final List<Vertx> started = new ArrayList<>();

    @AfterEach
    void stop() {
        started.forEach(VertxSupport::close);
    }

    private Vertx start(VertxSupport.VertxTransport transport) {
        Vertx vertx = transport.start();
        started.add(vertx);
        return vertx;
    }

    /** The outcome of {@code operation} run on {@code context}, with where its handler ran. */
    private static final class Where {
        Thread thread;
        Context context;
        boolean inRingCompletion;
        /** Completed inside the issuing call: it waited for nothing (JDK 22+ with native access, cached data). */
        boolean atOnce;
        Object value;

        /** No hop: completed by the ring's completion processing on the loop, or at once inside the call. */
        boolean noHop() {
            return inRingCompletion || atOnce;
        }
    }

    private static Where runOn(Context context, Function<FileSystem, Future<?>> operation, FileSystem fs) {
        CompletableFuture<Where> result = new CompletableFuture<>();
        context.runOnContext(v -> {
            boolean[] issuing = {true};
            operation.apply(fs).onComplete(ar -> {
                Where where = new Where();
                where.thread = Thread.currentThread();
                where.context = Vertx.currentContext();
                // Called from the io_uring handler's completion processing, not from a task queued on the loop.
                where.inRingCompletion = StackWalker.getInstance().walk(frames -> frames.anyMatch(
                        f -> f.getClassName().startsWith("io.netty.channel.uring.IoUringIoHandler")));
                where.atOnce = issuing[0];
                where.value = ar.succeeded() ? ar.result() : ar.cause();
                result.complete(where);
            });
            issuing[0] = false;
        });
        return await(result);
    }

    private static Thread threadOf(Context context) {
        CompletableFuture<Thread> thread = new CompletableFuture<>();
        context.runOnContext(v -> thread.complete(Thread.currentThread()));
        return await(thread);
    }

    private Path file() throws Exception {
        return Files.write(dir.resolve("data.bin"), new byte[] {1, 2, 3, 4, 5, 6, 7, 8});
    }

    @Test
    void onTheIoUringTransportTheEngineSharesTheLoopsAndCompletesOnTheIssuingLoopWithoutAHop() throws Exception {
        Vertx vertx = start(VertxSupport.VertxTransport.IO_URING);
        assertTrue(vertx.isNativeTransportEnabled());
        RingfileFileSystem fs = RingfileFileSystem.create(vertx);
        assertEquals(FileEngine.Backend.IO_URING, fs.engine().backend());
        assertTrue(fs.engine().fallbackReason().isEmpty(), () -> "shares the loops: " + fs.engine().fallbackReason());
        for (Thread thread : Thread.getAllStackTraces().keySet()) {
            assertFalse(thread.getName().startsWith("ringfile-vertx-ring"), "a ring thread of its own: " + thread);
        }
        Path file = file();
        String path = file.toString();
        for (int i = 0; i < 4; i++) { // contexts on each of the two loops
            Context context = ((VertxInternal) vertx).createEventLoopContext();
            Thread loop = threadOf(context);
            List<Function<FileSystem, Future<?>>> operations = List.of(
                    f -> f.readFile(path),
                    f -> f.props(path),
                    f -> f.exists(path),
                    f -> f.writeFile(dir.resolve("w" + loop.getName()).toString(), Buffer.buffer("w")),
                    f -> f.readFile(dir.resolve("missing").toString()));
            for (Function<FileSystem, Future<?>> operation : operations) {
                Where where = runOn(context, operation, fs);
                assertSame(loop, where.thread, "handler on the issuing loop");
                assertSame(context, where.context, "handler on the caller's context");
                assertTrue(where.noHop(), () -> "completed in the loop's ring or at once, not by a queued task: "
                        + where.value);
            }
            // An AsyncFile's read at a position, issued on the loop.
            AsyncFile opened = (AsyncFile) runOn(context, f -> f.open(path, new OpenOptions()), fs).value;
            Where read = runOn(context, f -> opened.read(Buffer.buffer(), 0, 2, 4), fs);
            assertSame(loop, read.thread);
            assertSame(context, read.context);
            assertTrue(read.noHop(), "the read completed in the loop's ring or at once");
            assertArrayEquals(new byte[] {3, 4, 5, 6}, ((Buffer) read.value).getBytes());
            await(opened.close());
        }
    }

    @Test
    void preferNativeTransportRunsVertxOnIoUringWhereEpollIsAbsentAndTheEngineSharesIt() {
        Assumptions.assumeTrue(VertxSupport.ioUringAvailable(), VertxSupport::ioUringUnavailable);
        Assumptions.assumeTrue(io.vertx.core.transport.Transport.EPOLL == null,
                "Netty's epoll transport is on the class path: Vert.x would prefer it");
        Vertx vertx = Vertx.vertx(new VertxOptions().setPreferNativeTransport(true).setEventLoopPoolSize(2));
        started.add(vertx);
        assertTrue(vertx.isNativeTransportEnabled(), () -> "native transport: " + vertx.unavailableNativeTransportCause());
        RingfileFileSystem fs = RingfileFileSystem.create(vertx);
        assertTrue(fs.engine().fallbackReason().isEmpty(), () -> "shares the loops: " + fs.engine().fallbackReason());
    }

    @Test
    void onTheNioTransportTheEngineRunsItsOwnBackendAndHandlersStillRunOnTheCallersLoop() throws Exception {
        Vertx vertx = start(VertxSupport.VertxTransport.NIO);
        RingfileFileSystem fs = RingfileFileSystem.create(vertx);
        String reason = fs.engine().fallbackReason().orElseThrow();
        assertTrue(reason.contains("cannot share the event loop group"), reason);
        String path = file().toString();
        Context context = ((VertxInternal) vertx).createEventLoopContext();
        Thread loop = threadOf(context);
        for (Function<FileSystem, Future<?>> operation : List.<Function<FileSystem, Future<?>>>of(
                f -> f.readFile(path), f -> f.props(path), f -> f.readFile(dir.resolve("missing").toString()))) {
            Where where = runOn(context, operation, fs);
            assertSame(loop, where.thread);
            assertSame(context, where.context);
        }
    }

    @Test
    void onAWorkerContextHandlersRunOnThatWorkerContext() throws Exception {
        for (VertxSupport.VertxTransport transport : VertxSupport.VertxTransport.values()) {
            if (transport == VertxSupport.VertxTransport.IO_URING && !VertxSupport.ioUringAvailable()) {
                continue;
            }
            Vertx vertx = start(transport);
            RingfileFileSystem fs = RingfileFileSystem.create(vertx);
            String path = file().toString();
            Context worker = ((VertxInternal) vertx).createWorkerContext();
            for (Function<FileSystem, Future<?>> operation : List.<Function<FileSystem, Future<?>>>of(
                    f -> f.readFile(path), f -> f.props(path), f -> f.readDir(dir.toString()),
                    f -> f.open(path, new OpenOptions()).compose(AsyncFile::close))) {
                Where where = runOn(worker, operation, fs);
                assertSame(worker, where.context, transport + ": handler on the worker context");
                assertTrue(Context.isOnWorkerThread() || where.thread.getName().startsWith("vert.x-worker-thread"),
                        () -> transport + ": on a worker thread, not " + where.thread.getName());
            }
        }
    }

    @Test
    void offAnyContextHandlersRunOnAnEventLoopContextAsVertxsOwnDo() throws Exception {
        Vertx vertx = start(VertxSupport.vertxTransportHere());
        RingfileFileSystem fs = RingfileFileSystem.create(vertx);
        String path = file().toString();
        for (FileSystem each : List.of(vertx.fileSystem(), fs)) {
            CompletableFuture<Context> handlerContext = new CompletableFuture<>();
            each.readFile(path).onComplete(ar -> handlerContext.complete(Vertx.currentContext()));
            Context context = await(handlerContext);
            assertNotNull(context, each + ": handler on a context");
            assertTrue(context.isEventLoopContext(), each + ": an event-loop context");
        }
    }

    @Test
    void closingVertxClosesTheEngineItCreated() throws Exception {
        Vertx vertx = VertxSupport.vertxTransportHere().start();
        RingfileFileSystem fs = RingfileFileSystem.create(vertx);
        Path file = file();
        assertEquals(8, await(fs.readFile(file.toString())).length());
        await(vertx.close());
        Throwable closed = VertxSupport.failure(io.vertx.core.Future.fromCompletionStage(fs.engine().size(file)));
        assertTrue(closed instanceof ClosedFileSystemException, () -> "engine closed with Vert.x: " + closed);
    }
}
