package io.ringfile;

import io.netty.channel.EventLoop;
import io.netty.channel.EventLoopGroup;
import io.netty.util.concurrent.EventExecutor;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.nio.ByteBuffer;
import java.nio.channels.ClosedChannelException;
import java.nio.file.ClosedFileSystemException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;

import static io.ringfile.ContractSupport.await;
import static io.ringfile.ContractSupport.failsWith;
import static java.nio.file.StandardOpenOption.READ;
import static java.nio.file.StandardOpenOption.WRITE;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * An engine on a server's own Netty event loops ({@link FileEngine.Builder#eventLoopGroup}): where futures
 * complete, which threads exist, and what the end of the group or of the engine does. The contract suite itself runs
 * on such engines in {@link SharedIoUringContractTest} and {@link SharedEpollContractTest}.
 */
@Timeout(120)
class SharedLoopsTest {
    @TempDir
    Path dir;
    private final List<EventLoopGroup> groups = new ArrayList<>();

    @AfterEach
    void stopGroups() {
        groups.forEach(SharedGroups::shutdown);
    }

    private EventLoopGroup ioUring(String name) {
        EventLoopGroup group = SharedGroups.ioUring(2, name);
        groups.add(group);
        return group;
    }

    /** Runs {@code operation} on {@code loop} and returns the thread each of its futures completed on. */
    private static <T> Thread completionThreadOf(EventLoop loop, Function<EventLoop, CompletableFuture<T>> operation) {
        CompletableFuture<Thread> where = new CompletableFuture<>();
        loop.execute(() -> operation.apply(loop).whenComplete((value, error) -> {
            if (error != null) {
                where.completeExceptionally(error);
            } else {
                where.complete(Thread.currentThread());
            }
        }));
        return await(where);
    }

    private static Thread threadOf(EventExecutor loop) {
        return await(CompletableFuture.supplyAsync(Thread::currentThread, loop));
    }

    @Test
    void operationsIssuedOnALoopCompleteOnThatLoopAndOthersOnTheCompletionExecutor() throws Exception {
        EventLoopGroup group = ioUring("issuing");
        byte[] content = ContractSupport.random(100_000, 1);
        Path path = Files.write(dir.resolve("data.bin"), content);
        Map<Thread, Boolean> executorThreads = new ConcurrentHashMap<>();
        java.util.concurrent.atomic.AtomicInteger executions = new java.util.concurrent.atomic.AtomicInteger();
        try (FileEngine engine = FileEngine.builder().backend(FileEngine.Backend.IO_URING).eventLoopGroup(group)
                .completionExecutor(task -> {
                    executorThreads.put(Thread.currentThread(), true);
                    executions.incrementAndGet();
                    task.run();
                }).build()) {
            assertTrue(engine.fallbackReason().isEmpty(), () -> "shares the group: " + engine.fallbackReason());
            // A file opened from this thread has its home on some loop; each loop then works on it.
            AsyncFile file = await(engine.open(path, READ, WRITE));
            executorThreads.clear(); // that open was issued here: its future went through the executor
            for (EventExecutor executor : group) {
                EventLoop loop = (EventLoop) executor;
                Thread loopThread = threadOf(loop);
                assertSame(loopThread, completionThreadOf(loop, l -> engine.readAllBytes(path)), "readAllBytes");
                assertSame(loopThread, completionThreadOf(loop, l -> engine.size(path)), "size(path)");
                assertSame(loopThread, completionThreadOf(loop, l -> engine.exists(path)), "exists");
                assertSame(loopThread, completionThreadOf(loop,
                        l -> file.read(ByteBuffer.allocateDirect(4096), 4096)), "read");
                assertSame(loopThread, completionThreadOf(loop, l -> file.size()), "size() at the file's home loop");
                assertSame(loopThread, completionThreadOf(loop, l -> file.force(false)), "force");
                assertSame(loopThread, completionThreadOf(loop, l -> engine.open(path, READ)
                        .thenCompose(AsyncFile::closeAsync)), "open then close");
                assertSame(loopThread, completionThreadOf(loop, l -> engine.readString(dir.resolve("missing"))
                        .handle((s, e) -> e)), "a failure");
            }
            assertTrue(executorThreads.isEmpty(), () -> "nothing issued on a loop used the executor: "
                    + executorThreads.keySet());
            // From another thread: an operation the loops make is completed by the completion executor (the loop
            // hands it a task); a whole-file read of this cached file comes back complete from this thread where
            // the engine reads on the caller's thread, else it goes the same way.
            int before = executions.get();
            assertEquals(content.length, await(engine.size(path)));
            assertTrue(executions.get() > before, "completed through the completion executor");
            before = executions.get();
            CompletableFuture<byte[]> whole = engine.readAllBytes(path);
            if (io.ringfile.internal.uring.NoWaitCalls.available()) {
                assertTrue(whole.isDone(), "a cached file read on the caller's thread");
                assertArrayEquals(content, whole.join());
                assertEquals(before, executions.get(), "no task for the completion executor");
            } else {
                assertArrayEquals(content, await(whole));
                assertTrue(executions.get() > before, "completed through the completion executor");
            }
            // So does a stat of a cached path (the ring would run it on a kernel worker), links and errors as the
            // JDK gives them.
            Path link = Files.createSymbolicLink(dir.resolve("link-to-shared"), path);
            before = executions.get();
            CompletableFuture<BasicFileAttributes> stat = engine.readAttributes(path, BasicFileAttributes.class,
                    LinkOption.NOFOLLOW_LINKS);
            CompletableFuture<BasicFileAttributes> linkStat = engine.readAttributes(link, BasicFileAttributes.class,
                    LinkOption.NOFOLLOW_LINKS);
            if (io.ringfile.internal.uring.NoWaitCalls.available()) {
                assertTrue(stat.isDone() && linkStat.isDone(),
                        "a cached path's attributes read on the caller's thread");
                assertEquals(before, executions.get(), "no task for the completion executor");
            }
            // Following a link whose target needs reading (a long one, as here, on ext4) is left to the ring.
            CompletableFuture<BasicFileAttributes> followed = engine.readAttributes(link, BasicFileAttributes.class);
            BasicFileAttributes jdk = Files.readAttributes(path, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
            assertEquals(jdk.size(), await(stat).size());
            assertEquals(jdk.lastModifiedTime(), await(stat).lastModifiedTime());
            assertEquals(String.valueOf(jdk.fileKey()), String.valueOf(await(stat).fileKey()), "same (dev, ino)");
            assertTrue(await(stat).isRegularFile());
            assertTrue(await(linkStat).isSymbolicLink(), "NOFOLLOW_LINKS: the link's own attributes");
            assertTrue(await(followed).isRegularFile(), "followed to the file");
            failsWith(NoSuchFileException.class, engine.readAttributes(dir.resolve("missing"),
                    BasicFileAttributes.class));
            // A read-only open of a cached name, and reads of cached data, from a thread that is not a loop: made
            // on this thread where the engine can, their futures handed back complete; else the executor's.
            before = executions.get();
            CompletableFuture<AsyncFile> opening = engine.open(path, READ);
            boolean here = io.ringfile.internal.uring.NoWaitCalls.available();
            if (here) {
                assertTrue(opening.isDone(), "a cached read-only open made on the caller's thread");
            }
            try (AsyncFile reader = await(opening)) {
                ByteBuffer direct = ByteBuffer.allocateDirect(4096);
                CompletableFuture<Integer> read = reader.read(direct, 1000);
                ByteBuffer heap = ByteBuffer.allocate(content.length);
                CompletableFuture<Integer> full = reader.readFully(heap, 0);
                io.netty.buffer.ByteBuf buf = io.netty.buffer.PooledByteBufAllocator.DEFAULT.directBuffer(8192, 8192);
                try {
                    buf.writeByte(0);
                    CompletableFuture<Integer> bufRead = reader.readFully(buf, content.length - 5000);
                    CompletableFuture<Integer> atEnd = reader.read(ByteBuffer.allocate(10), content.length);
                    if (here) {
                        assertTrue(read.isDone() && full.isDone() && bufRead.isDone() && atEnd.isDone(),
                                "cached reads made on the caller's thread");
                        assertEquals(before, executions.get(), "no task for the completion executor");
                    }
                    assertEquals(4096, await(read));
                    byte[] got = new byte[4096];
                    direct.flip().get(got);
                    assertArrayEquals(java.util.Arrays.copyOfRange(content, 1000, 5096), got);
                    assertEquals(content.length, await(full));
                    assertArrayEquals(content, heap.array());
                    assertEquals(5000, await(bufRead), "readFully up to end of file");
                    assertEquals(5001, buf.writerIndex());
                    byte[] tail = new byte[5000];
                    buf.getBytes(1, tail);
                    assertArrayEquals(java.util.Arrays.copyOfRange(content, content.length - 5000, content.length),
                            tail);
                    assertEquals(-1, await(atEnd), "end of file");
                    // Handed back complete from this thread exactly where the engine can make the calls here (a
                    // count of executor tasks cannot say it: a waiting join() may complete a future itself).
                    for (CompletableFuture<?> f : List.of(opening, read, full, bufRead, atEnd)) {
                        assertEquals(here, io.ringfile.internal.EngineFuture.isCompletedHere(f),
                                "made on the caller's thread: " + here);
                    }
                } finally {
                    buf.release();
                }
            }
            await(file.closeAsync());
        }
    }

    @Test
    void anEngineOnASharedGroupStartsNoRingThreadsAndItsCloseLeavesTheGroupRunning() throws Exception {
        EventLoopGroup group = ioUring("kept");
        Path path = Files.write(dir.resolve("small.bin"), new byte[] {1, 2, 3});
        FileEngine engine = FileEngine.builder().backend(FileEngine.Backend.IO_URING).eventLoopGroup(group)
                .threadNamePrefix("no-such-threads").build();
        try {
            assertArrayEquals(new byte[] {1, 2, 3}, await(engine.readAllBytes(path)));
            for (Thread thread : Thread.getAllStackTraces().keySet()) {
                assertFalse(thread.getName().startsWith("no-such-threads-ring"), "a ring thread of its own: " + thread);
            }
        } finally {
            engine.close();
        }
        assertFalse(group.isShuttingDown(), "closing the engine left the group alone");
        assertEquals("still running", await(CompletableFuture.supplyAsync(() -> "still running", group.next())));
        // Another engine can share the group afterwards.
        try (FileEngine next = FileEngine.builder().backend(FileEngine.Backend.IO_URING).eventLoopGroup(group).build()) {
            assertArrayEquals(new byte[] {1, 2, 3}, await(next.readAllBytes(path)));
        }
    }

    /**
     * Netty's loops usually close their handles as they shut down, but under {@code shutdownGracefully(0, 0)} a loop
     * may end without doing so (when the request lands between its I/O pass and its shutdown check): the engine must
     * complete those rings' operations itself. That timing is luck, so the test runs several rounds.
     */
    @Test
    void shuttingTheGroupDownWithAThousandOperationsInFlightCompletesEveryOne() throws Exception {
        // 2 MiB: past what a whole-file read makes on the caller's thread, so that readAllBytes is in flight too
        byte[] content = ContractSupport.random(2 << 20, 2);
        Path path = Files.write(dir.resolve("big.bin"), content);
        for (int round = 0; round < 8; round++) {
            groupShutDownWithAThousandOperationsInFlight(round, path, content);
        }
    }

    private void groupShutDownWithAThousandOperationsInFlight(int round, Path path, byte[] content) throws Exception {
        EventLoopGroup group = SharedGroups.ioUring(2, "ended");
        try (FileEngine engine = FileEngine.builder().backend(FileEngine.Backend.IO_URING).eventLoopGroup(group)
                .build()) {
            AsyncFile file = await(engine.open(path, READ));
            List<CompletableFuture<?>> inFlight = new ArrayList<>();
            for (int i = 0; i < 1000; i++) {
                int at = (i * 4096) % content.length;
                inFlight.add(i % 10 == 0 ? engine.readAllBytes(path) : file.read(ByteBuffer.allocateDirect(4096), at));
            }
            group.shutdownGracefully(0, 0, TimeUnit.MILLISECONDS);
            int done = 0;
            int stopped = 0;
            List<String> hung = new ArrayList<>();
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
            for (int i = 0; i < inFlight.size(); i++) {
                CompletableFuture<?> future = inFlight.get(i);
                try {
                    future.get(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
                    done++;
                } catch (java.util.concurrent.TimeoutException e) {
                    hung.add(i % 10 == 0 ? "readAllBytes " + i : "read " + i);
                } catch (java.util.concurrent.ExecutionException e) {
                    Throwable cause = e.getCause();
                    assertTrue(cause instanceof ClosedChannelException || cause instanceof ClosedFileSystemException,
                            () -> "stopped by the group's end, not " + cause);
                    stopped++;
                }
            }
            assertTrue(hung.isEmpty(), () -> "round " + round + ": " + hung.size() + " never completed: "
                    + hung.subList(0, Math.min(10, hung.size())));
            assertEquals(1000, done + stopped);
            // Operations after the group ended fail at once; closing the engine still works.
            Throwable after = ContractSupport.failure(engine.readAllBytes(path));
            assertTrue(after instanceof ClosedChannelException || after instanceof ClosedFileSystemException,
                    () -> "after the group ended: " + after);
            System.out.println("group shut down under load, round " + round + ": " + done + " completed, " + stopped
                    + " stopped");
        }
    }

    @Test
    void anEpollGroupCannotBeSharedTheEngineFallsBackSayingWhyAndCompletesOnTheIssuingLoop() throws Exception {
        EventLoopGroup group = SharedGroups.epoll(2, "epoll-server");
        groups.add(group);
        Path path = Files.write(dir.resolve("e.bin"), new byte[] {9});
        try (FileEngine engine = FileEngine.builder().eventLoopGroup(group).build()) {
            String reason = engine.fallbackReason().orElseThrow();
            assertTrue(reason.contains("cannot share the event loop group") && reason.contains("IoUringIoHandler"),
                    reason);
            EventLoop loop = (EventLoop) group.next();
            assertSame(threadOf(loop), completionThreadOf(loop, l -> engine.readAllBytes(path)));
            assertSame(threadOf(loop), completionThreadOf(loop, l -> engine.size(path)));
        }
    }
}
