package io.ringfile.internal.uring;

import io.netty.channel.IoEventLoop;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.util.concurrent.EventExecutor;
import io.netty.util.concurrent.GenericFutureListener;
import io.netty.channel.uring.IoUring;
import io.netty.channel.uring.IoUringIoHandler;
import io.netty.channel.uring.IoUringIoHandlerConfig;
import io.netty.util.concurrent.DefaultThreadFactory;
import io.ringfile.internal.backend.BackendFile;
import io.ringfile.internal.backend.FileBackend;
import io.ringfile.internal.backend.OpenSpec;
import io.ringfile.internal.backend.PlatformPaths;
import io.ringfile.internal.nio.NioBackend;
import io.ringfile.internal.uring.NativeMemory.Piece;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.concurrent.CompletionException;
import java.nio.channels.AsynchronousCloseException;
import java.nio.file.ClosedFileSystemException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The io_uring backend: a group of Netty io_uring event loops, one {@link Ring} each. A file is opened on one ring,
 * its home; reads and writes of a regular file spread over every ring (see {@link UringFile}). Operations io_uring has no opcode for run on the blocking executor it is given.
 */
public final class UringBackend implements FileBackend {
    private static final System.Logger LOG = System.getLogger("io.ringfile");

    private final EventLoopGroup group;
    /** True when the group is the engine's own (it ends with the engine); false for a shared one. */
    private final boolean ownsGroup;
    private final Ring[] rings;
    private final NioBackend blocking;
    private final String threadPrefix;
    private final AtomicInteger nextRing = new AtomicInteger();
    private final Set<UringFile> openFiles = ConcurrentHashMap.newKeySet();
    private volatile boolean shutdown;
    /**
     * On a shared group, once the group has ended: stop the rings whose loops ended without closing them (Netty's
     * loops usually close their handles first, Ring.close, but not always), then close what is left.
     */
    private final GenericFutureListener<io.netty.util.concurrent.Future<Object>> closeLeftoversAtGroupEnd =
            future -> groupEnded();
    private volatile CompletableFuture<Void> terminated;

    /** False once the kernel has rejected FTRUNCATE (before Linux 6.9); then truncation runs on the pool. */
    volatile boolean ftruncateSupported = true;

    /** Each ring's gauges, in ring order. Any thread. */
    public java.util.List<io.ringfile.EngineMetrics.RingMetrics> ringMetrics() {
        java.util.List<io.ringfile.EngineMetrics.RingMetrics> out = new ArrayList<>(rings.length);
        for (int i = 0; i < rings.length; i++) {
            out.add(rings[i].metrics(i));
        }
        return out;
    }

    private UringBackend(EventLoopGroup group, boolean ownsGroup, Ring[] rings, NioBackend blocking,
                         String threadPrefix) {
        this.group = group;
        this.ownsGroup = ownsGroup;
        this.rings = rings;
        this.blocking = blocking;
        this.threadPrefix = threadPrefix;
    }

    /**
     * Creates {@code ringCount} rings of {@code ringSize} submission entries, each on a thread from {@code threads},
     * or on a daemon thread named after {@code threadPrefix} when it is null, each allowed at most
     * {@code boundedWorkers} and {@code unboundedWorkers} io-wq kernel workers (0: the kernel's default). Throws
     * whatever stops io_uring here (a missing native library, seccomp, memlock...); the caller decides whether to
     * fall back.
     */
    public static UringBackend start(int ringCount, int ringSize, int boundedWorkers, int unboundedWorkers,
                                     int maxInFlight, String threadPrefix, ThreadFactory threads,
                                     NioBackend blocking) throws Throwable {
        IoUring.ensureAvailability();
        int cqSize = Math.max(4096, Integer.highestOneBit(ringSize * 2 - 1));
        // Netty registers the limits when it creates each ring; the kernel applies them to the io-wq of the loop
        // thread that submits to it (each ring has its own thread, so the limits hold per ring).
        IoUringIoHandlerConfig config = new IoUringIoHandlerConfig().setRingSize(ringSize).setCqSize(cqSize)
                .setMaxBoundedWorker(boundedWorkers).setMaxUnboundedWorker(unboundedWorkers);
        MultiThreadIoEventLoopGroup group = new MultiThreadIoEventLoopGroup(ringCount,
                threads != null ? threads : new DefaultThreadFactory(threadPrefix, true),
                IoUringIoHandler.newFactory(config));
        Ring[] rings = new Ring[ringCount];
        try {
            for (int i = 0; i < ringCount; i++) {
                IoEventLoop loop = group.next();
                Ring ring = new Ring(loop, cqSize, perRing(maxInFlight, ringCount));
                ring.registered(loop.register(ring).syncUninterruptibly().getNow());
                loop.submit(() -> RingThreads.markCurrent(loop)).syncUninterruptibly();
                rings[i] = ring;
            }
        } catch (Throwable e) {
            group.shutdownGracefully(0, 0, TimeUnit.MILLISECONDS);
            throw e;
        }
        return new UringBackend(group, true, rings, blocking, threadPrefix);
    }

    /**
     * Registers a ring on every event loop of {@code group}, a Netty io_uring group the engine shares and does not
     * own. Throws, having registered nothing that stays, when a loop is not an io_uring loop; the caller falls back.
     */
    public static UringBackend attach(EventLoopGroup group, int maxInFlight, String threadPrefix,
                                      NioBackend blocking) throws Exception {
        List<IoEventLoop> loops = new ArrayList<>();
        for (EventExecutor executor : group) {
            if (!(executor instanceof IoEventLoop) || !((IoEventLoop) executor).isCompatible(Ring.class)) {
                throw new IllegalArgumentException("the event loop group does not run io_uring (" + executor.getClass()
                        .getSimpleName() + "): build it with IoUringIoHandler.newFactory()");
            }
            loops.add((IoEventLoop) executor);
        }
        // The server's channels share each completion queue: take at most a quarter of Netty's default for files.
        int cqSize = Integer.getInteger("io.netty.iouring.cqSize", 4096) / 2;
        Ring[] rings = new Ring[loops.size()];
        try {
            for (int i = 0; i < rings.length; i++) {
                IoEventLoop loop = loops.get(i);
                Ring ring = new Ring(loop, cqSize, perRing(maxInFlight, rings.length));
                ring.registered(loop.register(ring).sync().getNow());
                loop.submit(() -> RingThreads.markCurrent(loop)).syncUninterruptibly();
                rings[i] = ring;
            }
        } catch (Exception e) {
            for (Ring ring : rings) {
                if (ring != null) {
                    ring.loop.execute(ring::close);
                }
            }
            throw e;
        }
        UringBackend backend = new UringBackend(group, false, rings, blocking, threadPrefix);
        group.terminationFuture().addListener(backend.closeLeftoversAtGroupEnd);
        return backend;
    }

    /** Each ring's share of the engine's in-flight limit, rounded up. */
    private static int perRing(int maxInFlight, int rings) {
        return (int) Math.min(Integer.MAX_VALUE, ((long) maxInFlight + rings - 1) / rings);
    }

    /** Why io_uring cannot run here, from Netty's probe, or null when the probe found no obstacle. */
    public static Throwable probeFailure() {
        return IoUring.isAvailable() ? null : IoUring.unavailabilityCause();
    }

    @Override
    public String name() {
        return "io_uring";
    }

    public int ringCount() {
        return rings.length;
    }

    NioBackend blockingPool() {
        return blocking;
    }

    /** The caller's own ring when it runs on one (no hop), otherwise the next in turn. */
    private Ring pickRing() {
        Ring own = callersRing();
        return own != null ? own : rings[Math.floorMod(nextRing.getAndIncrement(), rings.length)];
    }

    /** The ring whose thread calls, or null on any other thread. */
    Ring callersRing() {
        for (Ring ring : rings) {
            if (ring.inLoop()) {
                return ring;
            }
        }
        return null;
    }

    /** Ring number {@code i} modulo the ring count. */
    Ring ring(int i) {
        return rings[Math.floorMod(i, rings.length)];
    }

    @Override
    public CompletableFuture<BackendFile> open(OpenSpec spec) {
        if (spec.regularFileOnly()) {
            // The open below refuses what it finds not regular; this look at the name first keeps it from waiting
            // where its first attempt is made by a kernel worker (a name not in the dentry cache, FUSE, a network
            // file system), whose open of a FIFO waits for the other side. A FIFO put there in between still would.
            return readAttributes(spec.path(), !spec.noFollow()).thenCompose(attributes -> {
                if (!attributes.isRegularFile()) {
                    throw new java.util.concurrent.CompletionException(spec.notARegularFile());
                }
                return openNow(spec);
            });
        }
        return openNow(spec);
    }

    private CompletableFuture<BackendFile> openNow(OpenSpec spec) {
        CompletableFuture<BackendFile> result = new CompletableFuture<>();
        if (shutdown) {
            result.completeExceptionally(new ClosedFileSystemException());
            return result;
        }
        Ring ring = pickRing();
        Open open;
        try {
            open = new Open(ring, spec, result);
        } catch (Throwable e) { // no direct memory for the path: this open fails, nothing else
            result.completeExceptionally(e);
            return result;
        }
        ring.submit(open);
        return result;
    }

    void forget(UringFile file) {
        openFiles.remove(file);
    }

    @Override
    public synchronized CompletableFuture<Void> shutdown(long timeoutMillis) {
        if (terminated != null) {
            return terminated;
        }
        shutdown = true;
        CompletableFuture<Void> done = new CompletableFuture<>();
        terminated = done;
        Thread stopper = new Thread(() -> {
            try {
                awaitReadsHere();
                stop(timeoutMillis);
            } catch (Throwable e) {
                LOG.log(System.Logger.Level.ERROR, "Ringfile: io_uring shutdown failed", e);
            } finally {
                done.complete(null);
            }
        }, threadPrefix + "-shutdown");
        stopper.setDaemon(true);
        stopper.start();
        return done;
    }

    /**
     * The shutdown, in order, on its own thread. New opens and path operations are refused from the moment the
     * flag is set (at the rings too, so none slips in later).
     * <ol>
     * <li>Every open file is closed; until the timeout, the rings finish what they hold: closes wait for the
     * file's operations, opens that complete meanwhile are closed at once.</li>
     * <li>Each ring stops: what is still queued fails, what is still in the kernel is abandoned (its caller is
     * told, its memory stays referenced).</li>
     * <li>For at most {@link #REAP_MILLIS} the rings wait for the kernel to report abandoned operations, closing
     * what those opened.</li>
     * <li>The engine's own event loops end, destroying their rings, and then descriptors no close reached are
     * closed directly. On a shared group the handles leave its loops instead; a file whose operations the kernel
     * still holds is closed when they complete.</li>
     * </ol>
     */
    private void stop(long timeoutMillis) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(timeoutMillis);
        for (UringFile file : openFiles) {
            file.close(IGNORE);
        }
        while (!(openFiles.isEmpty() && onEveryRing(Ring::idle)) && System.nanoTime() - deadline < 0) {
            Thread.sleep(1);
        }
        onEveryRing(ring -> {
            ring.stop();
            return true;
        });
        long reapDeadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(REAP_MILLIS);
        while (!onEveryRing(ring -> ring.abandonedInKernel() == 0) && System.nanoTime() - reapDeadline < 0) {
            Thread.sleep(1);
        }
        if (ownsGroup) {
            group.shutdownGracefully(0, 0, TimeUnit.MILLISECONDS).await(REAP_MILLIS, TimeUnit.MILLISECONDS);
            for (Ring ring : rings) {
                ring.loopEnded();
            }
            closeLeftovers();
        } else {
            // A shared group lives on, and so do its rings: only the engine's handles leave its loops. A file whose
            // operations the kernel still holds is closed when their completions arrive (they still come to the
            // handle), never while the kernel could yet use its descriptor number.
            onEveryRing(ring -> {
                ring.close();
                return true;
            });
            group.terminationFuture().removeListener(closeLeftoversAtGroupEnd);
        }
    }

    private void groupEnded() {
        for (Ring ring : rings) {
            ring.loopEnded();
        }
        closeLeftovers();
    }

    /**
     * Closes the descriptors that no close reached, once the loops have ended: the kernel destroyed their rings and
     * with them the operations not yet started, so no operation can still pick up a descriptor number. Ops it had
     * started keep their own reference to the file. Any thread.
     */
    private void closeLeftovers() {
        for (UringFile file : openFiles) {
            file.closeAfterStop();
        }
    }

    /** True when {@code check} holds on every ring, each asked on its own thread. */
    private boolean onEveryRing(java.util.function.Predicate<Ring> check) throws InterruptedException {
        boolean all = true;
        for (Ring ring : rings) {
            all &= onRing(ring, () -> check.test(ring));
        }
        return all;
    }

    /** Runs {@code task} on {@code ring}'s thread and returns its answer; false if the loop cannot run it. */
    private static boolean onRing(Ring ring, java.util.concurrent.Callable<Boolean> task) throws InterruptedException {
        io.netty.util.concurrent.Future<Boolean> answer;
        try {
            answer = ring.loop.submit(task);
        } catch (java.util.concurrent.RejectedExecutionException e) {
            return false;
        }
        if (!answer.await(REAP_MILLIS, TimeUnit.MILLISECONDS) || !answer.isSuccess()) {
            return false;
        }
        return answer.getNow();
    }

    /**
     * OPENAT, then STATX on the new descriptor to learn whether it is seekable (pipes and sockets are not, and the
     * kernel would silently ignore positions there), then with DELETE_ON_CLOSE an UNLINKAT, as the JDK does on Unix.
     * Every descriptor it gets is either handed over in a {@link UringFile} or closed, whatever happens.
     */
    private final class Open extends RingOp {
        private final Ring ring;
        private final OpenSpec spec;
        private final CompletableFuture<BackendFile> result;
        /** The path as a C string, after the open_how where the open is an OPENAT2. */
        private final Piece path;
        private final long pathAddress;
        private Piece statx;
        private int fd = -1;
        /** A FIFO's descriptor from the attempt that did not wait, kept until the open that waits is done. */
        private int held = -1;
        /** The open was sent with IOSQE_ASYNC: it waits as the JDK's does (a later sqe clears the flags). */
        private boolean waits;
        /** What {@link MountTable#openMayWait} said of the path when this open was made. */
        private final boolean onMountThatWaits;
        private UringFile opened;

        Open(Ring ring, OpenSpec spec, CompletableFuture<BackendFile> result) {
            super(null);
            this.ring = ring;
            this.spec = spec;
            this.result = result;
            long resolve = Linux.resolveFlags(spec);
            if (resolve == 0) {
                this.path = NativeMemory.cString(spec.path());
                this.pathAddress = path.address;
            } else { // openat2, which takes a mode only with O_CREAT
                this.path = NativeMemory.openHow(spec.path(), Linux.openFlags(spec) & 0xFFFFFFFFL,
                        spec.create() || spec.createNew() ? spec.createMode() : 0, resolve);
                this.pathAddress = path.address + Linux.OPEN_HOW_SIZE;
            }
            openSqe();
            onMountThatWaits = MountTable.openMayWait(spec.path());
            if (onMountThatWaits) { // the inline attempt would wait for a daemon or a server
                flags = Linux.IOSQE_ASYNC;
                waits = true;
            }
        }

        /** OPENAT, or OPENAT2 where the open has resolve flags ({@code path} then starts with its open_how). */
        private void openSqe() {
            if (pathAddress == path.address) {
                sqe(Linux.IORING_OP_OPENAT, Linux.AT_FDCWD, 0, pathAddress, spec.createMode(), Linux.openFlags(spec));
            } else {
                sqe(Linux.IORING_OP_OPENAT2, Linux.AT_FDCWD, path.address, pathAddress, Linux.OPEN_HOW_SIZE, 0);
            }
        }

        /**
         * The open again, on a kernel worker, where it waits as the JDK's does. io_uring's first attempt at an open
         * is made with O_NONBLOCK: a FIFO's reader then opens without waiting for a writer (and reads end of file
         * until one comes), a writer fails with ENXIO where no reader is there yet.
         */
        private void openWaiting() {
            openSqe();
            flags = Linux.IOSQE_ASYNC;
            waits = true;
            ring.submitOnLoop(this);
        }

        private void releaseHeld() {
            if (held >= 0) { // the reader it let in stays one: a writer that came meanwhile never sees none
                closeQuietly(held);
                held = -1;
            }
        }

        @Override
        boolean beforeSubmit() {
            if (fd < 0 && shutdown) { // not yet opened: a shutting-down backend opens nothing more
                reject(new ClosedFileSystemException());
                return false;
            }
            return true;
        }

        @Override
        void complete(int res) {
            try {
                if (fd < 0) {
                    opened(res);
                } else if (opened == null) {
                    typeKnown(res);
                } else { // the unlink for DELETE_ON_CLOSE; like the JDK, its outcome is ignored
                    finish();
                }
            } catch (Throwable e) { // out of memory, say: close what was opened, fail the open
                fail(e);
            }
        }

        private void opened(int res) {
            releaseHeld();
            if (res == -Errno.ENXIO && spec.regularFileOnly()) { // never a regular file's error
                path.release();
                result.completeExceptionally(spec.notARegularFile());
                return;
            }
            if (res == -Errno.ENXIO && !waits) { // a FIFO's writer, no reader yet: wait for one
                openWaiting();
                return;
            }
            if (res < 0) {
                path.release();
                result.completeExceptionally(Errno.openFailure(-res, spec));
                return;
            }
            fd = res;
            statx = NativeMemory.allocate(Linux.STATX_BUFFER_SIZE, false);
            int mask = statxMask(spec);
            if (NoWaitCalls.available() && NoWaitCalls.statxOpenFile(fd, statx.address, mask) == 0) {
                typeKnown(0); // asked here, on the ring's thread: the ring's STATX would go to a kernel worker
                return;
            }
            sqe(Linux.IORING_OP_STATX, fd, statx.address, UringFile.EMPTY_PATH_ADDRESS, mask, Linux.AT_EMPTY_PATH);
            ring.submitOnLoop(this);
        }

        private void typeKnown(int res) {
            if (spec.regularFileOnly() && (res != 0
                    || (statx.view.duplicate().order(ByteOrder.nativeOrder()).getShort(Linux.STATX_MODE_OFFSET)
                            & Linux.S_IFMT) != Linux.S_IFREG)) {
                fail(res != 0 ? Errno.exception(-res, spec.path().toString()) : spec.notARegularFile());
                return;
            }
            if (res == 0 && !waits
                    && (statx.view.duplicate().order(ByteOrder.nativeOrder()).getShort(Linux.STATX_MODE_OFFSET)
                            & Linux.S_IFMT) == Linux.S_IFIFO) {
                held = fd;
                fd = -1;
                statx.release();
                statx = null;
                openWaiting();
                return;
            }
            opened = newFile(ring, fd, spec, res, statx.view, onMountThatWaits);
            statx.release();
            statx = null;
            openFiles.add(opened);
            if (shutdown) { // raced with shutdown, which may not have seen this file
                opened.close(IGNORE);
                path.release();
                result.completeExceptionally(new ClosedFileSystemException());
                return;
            }
            if (spec.deleteOnClose()) {
                sqe(Linux.IORING_OP_UNLINKAT, Linux.AT_FDCWD, 0, pathAddress, 0, 0);
                ring.submitOnLoop(this);
                return;
            }
            finish();
        }

        private void finish() {
            path.release();
            result.complete(opened);
        }

        /** Fails the open and gives back everything it holds; nothing of it is in the kernel. */
        private void fail(Throwable error) {
            releaseHeld();
            path.release();
            if (statx != null) {
                statx.release();
                statx = null;
            }
            if (opened != null) {
                opened.close(IGNORE);
            } else if (fd >= 0) {
                closeQuietly(fd);
            }
            result.completeExceptionally(error);
        }

        @Override
        void reject(Throwable error) {
            if (opened != null) { // the unlink was refused by a stopped ring: the backend closes the file
                path.release();
                opened.closeAfterStop();
                result.completeExceptionally(new ClosedFileSystemException());
                return;
            }
            fail(error instanceof AsynchronousCloseException ? new ClosedFileSystemException() : error);
        }

        @Override
        void abandon(Throwable error) {
            result.completeExceptionally(new ClosedFileSystemException());
            releaseHeld();
            if (opened == null && fd >= 0) { // the statx in flight keeps its own reference to the file
                closeQuietly(fd);
                fd = Integer.MAX_VALUE; // closed: reap() must not close it again
            }
        }

        @Override
        void reap(int res) {
            path.release();
            if (statx != null) {
                statx.release();
            }
            if (fd < 0 && res >= 0) { // the kernel opened it after the ring stopped: nobody else will close it
                closeQuietly(res);
            }
        }
    }

    /** What an open asks statx for: all {@link BackendFile#attributesAtOpen} gives, and alignment for O_DIRECT. */
    private static int statxMask(OpenSpec spec) {
        return Linux.STATX_BASIC_AND_BIRTH | (spec.direct() ? Linux.STATX_DIOALIGN : 0);
    }

    /**
     * The file for descriptor {@code fd}, newly opened as {@code spec} says, from the statx of it ({@code res} its
     * outcome, {@code statx} its buffer): seekable unless a pipe or socket (or unknown), O_DIRECT alignment as the
     * kernel reports it (6.1+) or else the file system's block size, a regular file's size and device, and the
     * attributes at open where statx gave all the basic ones; {@code onMountThatWaits}: what
     * {@link MountTable#openMayWait} says of its path.
     */
    private UringFile newFile(Ring ring, int fd, OpenSpec spec, int res, ByteBuffer statx, boolean onMountThatWaits) {
        ByteBuffer b = Linux.nativeOrder(statx);
        int type = b.getShort(Linux.STATX_MODE_OFFSET) & Linux.S_IFMT;
        int blockSize = res < 0 ? 0 : b.getInt(Linux.STATX_BLKSIZE_OFFSET);
        boolean dio = res >= 0 && (b.getInt(0) & Linux.STATX_DIOALIGN) != 0
                && b.getInt(Linux.STATX_DIO_OFFSET_ALIGN_OFFSET) > 0;
        int memoryAlignment = dio ? b.getInt(Linux.STATX_DIO_MEM_ALIGN_OFFSET) : blockSize;
        int offsetAlignment = dio ? b.getInt(Linux.STATX_DIO_OFFSET_ALIGN_OFFSET) : blockSize;
        long size = res >= 0 && (b.getInt(0) & Linux.STATX_SIZE) != 0 ? b.getLong(Linux.STATX_SIZE_OFFSET) : -1;
        long device = res < 0 ? -1 : ((long) b.getInt(Linux.STATX_DEV_MAJOR_OFFSET) << 32)
                | (b.getInt(Linux.STATX_DEV_MINOR_OFFSET) & 0xFFFFFFFFL);
        boolean seekable = res < 0 || (type != Linux.S_IFIFO && type != Linux.S_IFSOCK);
        boolean regular = res >= 0 && type == Linux.S_IFREG;
        boolean all = res >= 0 && (b.getInt(0) & Linux.STATX_BASIC_STATS) == Linux.STATX_BASIC_STATS;
        return new UringFile(this, ring, fd, spec.path(), spec.direct(), seekable, memoryAlignment, offsetAlignment,
                regular ? size : -1, regular ? device : -1, all ? StatxAttributes.parse(b) : null, onMountThatWaits);
    }

    /**
     * openat and statx on the calling thread, a platform thread that waits for the open anyway (see
     * {@link NoWaitCalls}): the open of a blocking channel then costs two system calls and no hand-off. Not on a
     * ring's thread, not with DELETE_ON_CLOSE (its unlink stays with the ring's open) or NO_SYMLINKS (an openat2 the
     * ring makes), nor without NoWaitCalls.
     */
    @Override
    public BackendFile openOnCallerThread(OpenSpec spec) throws java.io.IOException {
        if (shutdown || spec.deleteOnClose() || spec.noSymlinks() || !NoWaitCalls.available()
                || RingThreads.isCurrent()) {
            return null;
        }
        int fd = NoWaitCalls.open(NativeMemory.bytesOf(PlatformPaths.unwrap(spec.path())), Linux.openFlags(spec),
                spec.createMode());
        if (fd < 0) {
            if (fd == -Errno.ENXIO && spec.regularFileOnly()) { // a socket, say: never a regular file's error
                throw spec.notARegularFile();
            }
            throw Errno.openFailure(-fd, spec);
        }
        UringFile file;
        try {
            ByteBuffer statx = StatxScratch.buffer();
            int res = NoWaitCalls.statxOpenFileSynced(fd, statxMask(spec), statx);
            file = newFile(pickRing(), fd, spec, res, statx, MountTable.openMayWait(spec.path()));
        } catch (Throwable e) { // out of memory, say: the descriptor is nobody's yet
            closeQuietly(fd);
            throw e;
        }
        openFiles.add(file);
        if (shutdown) { // raced with shutdown, which may not have seen this file
            file.closeAfterStop();
            throw new ClosedFileSystemException();
        }
        return file;
    }

    /** Cleared once the kernel refused openat2 or RESOLVE_CACHED: whole-file reads then open through the ring. */
    private static volatile boolean openCachedWorks = true;
    /** Whole-file reads on callers' threads under way: their descriptors are no open file's yet. */
    private final AtomicInteger readsHere = new AtomicInteger();

    /**
     * Waits (on the shutdown's thread) until no whole-file read on a caller's thread holds a descriptor that no
     * open file tracks: each either saw the shutdown flag and did nothing, or finishes with its calls that do not
     * wait, closing its descriptor or handing it over as a tracked file. Bounded by {@link #REAP_MILLIS} against a
     * bug; the calls take microseconds.
     */
    private void awaitReadsHere() throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(REAP_MILLIS);
        while (readsHere.get() > 0 && System.nanoTime() < deadline) {
            Thread.sleep(1);
        }
    }

    /**
     * A whole-file read on the calling thread (see {@link FileBackend#readAllOnCallerThread}): an openat2 whose lookup
     * does not wait, a statx as the kernel holds it, preadv2(RWF_NOWAIT) for the body and one byte past it, close.
     * Anything that is not a regular file fully in memory, no larger than {@code sizeLimit}, on a file system that
     * takes RWF_NOWAIT, is handed back open for the ring to read, as the ring's own open would have left it (its
     * O_NONBLOCK cleared before its first ring operation, {@link UringFile#readyForRing}). Nothing is tried on a file
     * system whose open waits for a daemon or a server ({@link MountTable}): there even an open whose lookup is cached
     * waits. A ring's own thread may call this too: these calls wait no more than the ring's own first, inline, attempt
     * at an open and a read would on that thread, and save it the round trips.
     */
    @Override
    public WholeRead readAllOnCallerThread(OpenSpec spec, int sizeLimit) throws IOException {
        if (!openCachedWorks || !NoWaitCalls.available() || MountTable.openMayWait(spec.path())) {
            return null;
        }
        readsHere.incrementAndGet(); // before the flag is read: a shutdown that set it waits for this read
        try {
            return shutdown ? null : readAllHere(spec, sizeLimit);
        } finally {
            readsHere.decrementAndGet();
        }
    }

    /**
     * A read-only open on the calling thread (see {@link FileBackend#openCachedOnCallerThread}): the whole-file
     * read's openat2 whose lookup does not wait and its statx, without the read. The same file systems are left out
     * ({@link MountTable}), and so are files that are not regular, as there.
     */
    @Override
    public WholeRead openCachedOnCallerThread(OpenSpec spec) throws IOException {
        if (!openCachedWorks || !NoWaitCalls.available() || MountTable.openMayWait(spec.path())) {
            return null;
        }
        readsHere.incrementAndGet(); // as for whole-file reads: a shutdown waits for the descriptor to be tracked
        try {
            if (shutdown) {
                return null;
            }
            return readAllHere(spec, -1);
        } finally {
            readsHere.decrementAndGet();
        }
    }

    /**
     * A path's attributes on the calling thread (see {@link FileBackend#readAttributesOnCallerThread}): an
     * {@code openat2(O_PATH, RESOLVE_CACHED)} whose lookup does not wait, a statx of that descriptor as the kernel
     * holds it, close. io_uring runs every STATX on a kernel worker, so this saves the caller (an event loop that
     * stats a file before it opens it, say) that hand-off and its wake-ups. Nothing is tried where the lookup or the
     * statx would wait for a daemon or a server ({@link MountTable}), and any failure is left to the ring's STATX,
     * which reports it.
     */
    @Override
    public BasicFileAttributes readAttributesOnCallerThread(Path path, boolean followLinks) {
        if (!openCachedWorks || !NoWaitCalls.available() || MountTable.openMayWait(path)) {
            return null;
        }
        readsHere.incrementAndGet(); // as for whole-file reads: a shutdown waits for the descriptor to be closed
        try {
            if (shutdown) {
                return null;
            }
            StatxScratch scratch = StatxScratch.get();
            ByteBuffer statx = scratch.statx;
            int[] statxResult = scratch.result;
            int flags = Linux.O_PATH | Linux.O_CLOEXEC | (followLinks ? 0 : Linux.O_NOFOLLOW);
            int fd = NoWaitCalls.openCached(NativeMemory.bytesOf(PlatformPaths.unwrap(path)), flags, 0,
                    Linux.STATX_BASIC_AND_BIRTH, statx, statxResult);
            if (fd < 0) {
                return null; // not cached, or an error: the ring's STATX answers (a missing openat2 shows there too)
            }
            NoWaitCalls.close(fd);
            return statxResult[0] == 0 ? StatxAttributes.parse(statx) : null;
        } finally {
            readsHere.decrementAndGet();
        }
    }

    private WholeRead readAllHere(OpenSpec spec, int sizeLimit) throws IOException {
        Ring ring = pickRing(); // where a file handed back lives; an ending one (its group ends) takes nothing
        if (ring.ending()) {
            return null;
        }
        StatxScratch scratch = StatxScratch.get();
        ByteBuffer statx = scratch.statx;
        int[] statxResult = scratch.result;
        int fd = NoWaitCalls.openCached(NativeMemory.bytesOf(PlatformPaths.unwrap(spec.path())),
                Linux.openFlags(spec), Linux.resolveFlags(spec), statxMask(spec), statx, statxResult);
        if (fd < 0) {
            if (fd == -Errno.EAGAIN) { // the lookup would wait
                return null;
            }
            if (fd == -Errno.ENOSYS || fd == -Errno.EINVAL || fd == -Errno.E2BIG) { // no openat2 or RESOLVE_CACHED
                openCachedWorks = false;
                return null;
            }
            if (fd == -Errno.ENXIO && spec.regularFileOnly()) { // a socket, say: as the ring's open reports it
                throw spec.notARegularFile();
            }
            throw Errno.openFailure(-fd, spec);
        }
        boolean owned = true;
        try {
            int res = statxResult[0];
            if (res == 0 && spec.regularFileOnly()
                    && (statx.getShort(Linux.STATX_MODE_OFFSET) & Linux.S_IFMT) != Linux.S_IFREG) {
                throw spec.notARegularFile(); // closed below, never read
            }
            if (res != 0 || (statx.getShort(Linux.STATX_MODE_OFFSET) & Linux.S_IFMT) != Linux.S_IFREG) {
                // Opened without waiting (O_NONBLOCK), where the JDK's open of a FIFO waits for a writer: the ring's
                // open does that; this descriptor is closed once that one is open (see WholeRead.heldUntilOpened).
                owned = false;
                int held = fd;
                return WholeRead.heldUntilOpened(() -> closeQuietly(held));
            }
            if ((statx.getInt(0) & Linux.STATX_SIZE) != 0) {
                long size = statx.getLong(Linux.STATX_SIZE_OFFSET);
                long device = ((long) statx.getInt(Linux.STATX_DEV_MAJOR_OFFSET) << 32)
                        | (statx.getInt(Linux.STATX_DEV_MINOR_OFFSET) & 0xFFFFFFFFL);
                byte[] bytes = size <= sizeLimit ? UringFile.readWholeIfCached(fd, (int) size, device) : null;
                if (bytes != null) {
                    owned = false;
                    NoWaitCalls.close(fd); // read-only: a close error loses no data
                    return WholeRead.of(bytes);
                }
            }
            UringFile file = newFile(ring, fd, spec, res, statx, false); // only called where MountTable said no
            file.openedNonBlocking(); // cleared before its first ring operation, if it ever has one
            owned = false;
            openFiles.add(file);
            if (shutdown) { // raced with shutdown, which may not have seen this file
                file.closeAfterStop();
                throw new ClosedFileSystemException();
            }
            return WholeRead.opened(file);
        } finally {
            if (owned) { // out of memory, say: the descriptor is nobody's yet
                closeQuietly(fd);
            }
        }
    }

    /**
     * A statx buffer (native order) and result slot per thread, for the calls made on the caller's thread: each
     * reads the buffer before it returns, and none calls another that uses it.
     */
    static final class StatxScratch {
        private static final ThreadLocal<StatxScratch> PER_THREAD = ThreadLocal.withInitial(StatxScratch::new);
        final ByteBuffer statx = ByteBuffer.allocate(Linux.STATX_BUFFER_SIZE).order(ByteOrder.nativeOrder());
        final int[] result = new int[1];

        static StatxScratch get() {
            return PER_THREAD.get();
        }

        static ByteBuffer buffer() {
            return PER_THREAD.get().statx;
        }
    }

    static void closeQuietly(int fd) {
        try {
            new io.netty.channel.unix.FileDescriptor(fd).close();
        } catch (java.io.IOException ignored) {
            // nothing more can be done for a descriptor being discarded
        }
    }

    /**
     * A path operation: its C strings and statx buffer live until the completion arrives. Prepared on the caller's
     * thread by {@link #pathOp}, which fails the future, instead of throwing, if the memory cannot be had.
     */
    private final class PathOp<T> extends RingOp {
        private Piece first;
        private Piece second;
        private Piece statx;
        private final Outcome<T> outcome;
        private final CompletableFuture<T> result = new CompletableFuture<>();

        PathOp(Outcome<T> outcome) {
            super(null);
            this.outcome = outcome;
        }

        @Override
        boolean beforeSubmit() {
            if (shutdown) {
                reject(new ClosedFileSystemException());
                return false;
            }
            return true;
        }

        @Override
        void complete(int res) {
            T value;
            try {
                value = outcome.of(res, statx == null ? null : statx.view);
            } catch (Throwable e) {
                release();
                result.completeExceptionally(e);
                return;
            }
            release();
            result.complete(value);
        }

        private void release() {
            for (Piece piece : new Piece[] {first, second, statx}) {
                if (piece != null) {
                    piece.release();
                }
            }
        }

        @Override
        void reject(Throwable error) {
            release();
            result.completeExceptionally(error instanceof AsynchronousCloseException
                    ? new ClosedFileSystemException() : error);
        }

        @Override
        void abandon(Throwable error) {
            result.completeExceptionally(new ClosedFileSystemException());
        }

        @Override
        void reap(int res) {
            release();
        }
    }

    /** Turns the kernel's result (and the statx buffer, if any) into a value, or throws the error. */
    private interface Outcome<T> {
        T of(int res, ByteBuffer statx) throws IOException;
    }

    /** Sets a path op's memory and entry; may fail for want of memory. */
    private interface Preparation<T> {
        void prepare(PathOp<T> op);
    }

    /** Prepares and submits a path op; a failure to prepare it (out of memory) fails the future. */
    private <T> CompletableFuture<T> pathOp(Outcome<T> outcome, Preparation<T> preparation) {
        PathOp<T> op = new PathOp<>(outcome);
        if (shutdown) {
            op.reject(new ClosedFileSystemException());
            return op.result;
        }
        try {
            preparation.prepare(op);
        } catch (Throwable e) {
            op.reject(e);
            return op.result;
        }
        pickRing().submit(op);
        return op.result;
    }

    private <T> CompletableFuture<T> statx(Path path, boolean followLinks, Outcome<T> outcome) {
        return pathOp(outcome, op -> {
            op.first = NativeMemory.cString(path);
            op.statx = NativeMemory.allocate(Linux.STATX_BUFFER_SIZE, false);
            op.sqe(Linux.IORING_OP_STATX, Linux.AT_FDCWD, op.statx.address, op.first.address,
                    Linux.STATX_BASIC_AND_BIRTH, followLinks ? 0 : Linux.AT_SYMLINK_NOFOLLOW);
        });
    }

    private static void check(int res, Path path) throws IOException {
        if (res < 0) {
            throw Errno.exception(-res, path.toString());
        }
    }

    @Override
    public CompletableFuture<Long> size(Path path) {
        return statx(path, true, (res, statx) -> {
            check(res, path);
            return statx.duplicate().order(ByteOrder.nativeOrder()).getLong(Linux.STATX_SIZE_OFFSET);
        });
    }

    @Override
    public CompletableFuture<BasicFileAttributes> readAttributes(Path path, boolean followLinks) {
        return statx(path, followLinks, (res, statx) -> {
            check(res, path);
            return StatxAttributes.parse(statx);
        });
    }

    @Override
    public CompletableFuture<Void> createDirectory(Path dir, int mode) {
        return pathOp((res, statx) -> {
            check(res, dir);
            return null;
        }, op -> {
            op.first = NativeMemory.cString(dir);
            op.sqe(Linux.IORING_OP_MKDIRAT, Linux.AT_FDCWD, 0, op.first.address, mode, 0);
        });
    }

    /** unlink(2), or rmdir(2) with AT_REMOVEDIR; the raw result. */
    private CompletableFuture<Integer> unlink(Path path, int flags) {
        return pathOp((res, statx) -> res, op -> {
            op.first = NativeMemory.cString(path);
            op.sqe(Linux.IORING_OP_UNLINKAT, Linux.AT_FDCWD, 0, op.first.address, 0, flags);
        });
    }

    @Override
    public CompletableFuture<Boolean> delete(Path path, boolean ifExists) {
        return unlink(path, 0)
                .thenCompose(res -> res == -Errno.EISDIR ? unlink(path, Linux.AT_REMOVEDIR)
                        : CompletableFuture.completedFuture(res))
                .thenApply(res -> {
                    if (res == -Errno.ENOENT && ifExists) {
                        return false;
                    }
                    if (res == -Errno.EEXIST) { // some file systems say so for a non-empty directory
                        res = -Errno.ENOTEMPTY;
                    }
                    if (res < 0) {
                        throw new CompletionException(Errno.exception(-res, path.toString()));
                    }
                    return true;
                });
    }

    @Override
    public CompletableFuture<Void> rename(Path source, Path target, boolean replaceExisting) {
        return pathOp((res, statx) -> {
            if (res == -Errno.EXDEV) {
                throw new AtomicMoveNotSupportedException(source.toString(), target.toString(),
                        Errno.message(Errno.EXDEV));
            }
            if (res == -Errno.EEXIST || res == -Errno.ENOTEMPTY) {
                throw Errno.exception(-res, target.toString(), null);
            }
            if (res < 0) {
                throw Errno.exception(-res, source.toString(), target.toString());
            }
            return null;
        }, op -> {
            op.first = NativeMemory.cString(source);
            op.second = NativeMemory.cString(target);
            op.sqe(Linux.IORING_OP_RENAMEAT, Linux.AT_FDCWD, op.second.address, op.first.address, Linux.AT_FDCWD,
                    replaceExisting ? 0 : Linux.RENAME_NOREPLACE);
        });
    }

    @Override
    public CompletableFuture<Void> createLink(Path link, Path existing) {
        return pathOp((res, statx) -> {
            if (res == -Errno.EEXIST) {
                throw Errno.exception(-res, link.toString(), null);
            }
            if (res < 0) {
                throw Errno.exception(-res, link.toString(), existing.toString());
            }
            return null;
        }, op -> {
            op.first = NativeMemory.cString(existing);
            op.second = NativeMemory.cString(link);
            op.sqe(Linux.IORING_OP_LINKAT, Linux.AT_FDCWD, op.second.address, op.first.address, Linux.AT_FDCWD, 0);
        });
    }

    @Override
    public CompletableFuture<Void> createSymbolicLink(Path link, Path target) {
        return pathOp((res, statx) -> {
            check(res, link);
            return null;
        }, op -> {
            op.first = NativeMemory.cString(target);
            op.second = NativeMemory.cString(link);
            op.sqe(Linux.IORING_OP_SYMLINKAT, Linux.AT_FDCWD, op.second.address, op.first.address, 0, 0);
        });
    }

    private static final io.ringfile.internal.backend.Completion IGNORE =
            new io.ringfile.internal.backend.Completion() {
                @Override
                public void completed(long result) {
                }

                @Override
                public void failed(Throwable error) {
                }
            };
}
