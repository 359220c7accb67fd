package io.ringfile.internal.uring;

import io.netty.channel.IoEventLoop;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.uring.IoUring;
import io.netty.channel.uring.IoUringIoHandler;
import io.netty.channel.uring.IoUringIoHandlerConfig;
import io.netty.util.concurrent.DefaultThreadFactory;
import io.ringfile.internal.backend.BackendFile;
import io.ringfile.internal.backend.FileBackend;
import io.ringfile.internal.backend.OpenSpec;
import io.ringfile.internal.uring.NativeMemory.Piece;

import java.nio.ByteOrder;
import java.nio.channels.AsynchronousCloseException;
import java.nio.file.ClosedFileSystemException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The io_uring backend: a group of Netty io_uring event loops, one {@link Ring} each. A file is opened on one ring
 * and stays there. Operations io_uring has no opcode for run on the blocking executor it is given.
 */
public final class UringBackend implements FileBackend {
    private final MultiThreadIoEventLoopGroup group;
    private final Ring[] rings;
    private final Executor blocking;
    private final AtomicInteger nextRing = new AtomicInteger();
    private final Set<UringFile> openFiles = ConcurrentHashMap.newKeySet();
    private volatile boolean shutdown;
    private volatile CompletableFuture<Void> terminated;

    /** False once the kernel has rejected FTRUNCATE (before Linux 6.9); then truncation runs on the pool. */
    volatile boolean ftruncateSupported = true;

    private UringBackend(MultiThreadIoEventLoopGroup group, Ring[] rings, Executor blocking) {
        this.group = group;
        this.rings = rings;
        this.blocking = blocking;
    }

    /**
     * Creates {@code ringCount} rings of {@code ringSize} submission entries. Throws whatever stops io_uring here
     * (a missing native library, seccomp, memlock...); the caller decides whether to fall back.
     */
    public static UringBackend start(int ringCount, int ringSize, String threadPrefix, Executor blocking)
            throws Throwable {
        IoUring.ensureAvailability();
        int cqSize = Math.max(4096, Integer.highestOneBit(ringSize * 2 - 1));
        IoUringIoHandlerConfig config = new IoUringIoHandlerConfig().setRingSize(ringSize).setCqSize(cqSize);
        MultiThreadIoEventLoopGroup group = new MultiThreadIoEventLoopGroup(ringCount,
                new DefaultThreadFactory(threadPrefix, true), IoUringIoHandler.newFactory(config));
        Ring[] rings = new Ring[ringCount];
        try {
            for (int i = 0; i < ringCount; i++) {
                IoEventLoop loop = (IoEventLoop) group.next();
                Ring ring = new Ring(loop, cqSize);
                ring.registered(loop.register(ring).syncUninterruptibly().getNow());
                rings[i] = ring;
            }
        } catch (Throwable e) {
            group.shutdownGracefully(0, 0, TimeUnit.MILLISECONDS);
            throw e;
        }
        return new UringBackend(group, rings, blocking);
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

    /** True on one of this backend's ring threads, where nothing may block. */
    public boolean onRingThread() {
        for (Ring ring : rings) {
            if (ring.inLoop()) {
                return true;
            }
        }
        return false;
    }

    Executor blockingExecutor() {
        return blocking;
    }

    /** The caller's own ring when it runs on one (no hop), otherwise the next in turn. */
    private Ring pickRing() {
        for (Ring ring : rings) {
            if (ring.inLoop()) {
                return ring;
            }
        }
        return rings[Math.floorMod(nextRing.getAndIncrement(), rings.length)];
    }

    @Override
    public CompletableFuture<BackendFile> open(OpenSpec spec) {
        CompletableFuture<BackendFile> result = new CompletableFuture<>();
        if (shutdown) {
            result.completeExceptionally(new ClosedFileSystemException());
            return result;
        }
        Ring ring = pickRing();
        ring.submit(new Open(ring, spec, result));
        return result;
    }

    @Override
    public CompletableFuture<Long> size(Path path) {
        CompletableFuture<Long> result = new CompletableFuture<>();
        if (shutdown) {
            result.completeExceptionally(new ClosedFileSystemException());
            return result;
        }
        pickRing().submit(new StatxPath(path, result));
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
        List<CompletableFuture<Void>> closes = new ArrayList<>();
        for (UringFile file : openFiles) {
            CompletableFuture<Void> closed = new CompletableFuture<>();
            file.close(new io.ringfile.internal.backend.Completion() {
                @Override
                public void completed(long r) {
                    closed.complete(null);
                }

                @Override
                public void failed(Throwable error) {
                    closed.complete(null);
                }
            });
            closes.add(closed);
        }
        CompletableFuture<Void> done = new CompletableFuture<>();
        terminated = done;
        CompletableFuture.allOf(closes.toArray(new CompletableFuture<?>[0]))
                .completeOnTimeout(null, timeoutMillis, TimeUnit.MILLISECONDS)
                .whenComplete((ignored, error) -> {
                    // Loops shutting down call Ring.close(): what is still in the kernel is abandoned there.
                    group.shutdownGracefully(0, 0, TimeUnit.MILLISECONDS).addListener(f -> {
                        for (UringFile file : openFiles) {
                            file.closeAfterStop();
                        }
                        openFiles.clear();
                        done.complete(null);
                    });
                });
        return done;
    }

    /**
     * OPENAT, then STATX on the new descriptor to learn whether it is seekable (pipes and sockets are not, and the
     * kernel would silently ignore positions there), then with DELETE_ON_CLOSE an UNLINKAT, as the JDK does on Unix.
     */
    private final class Open extends RingOp {
        private final Ring ring;
        private final OpenSpec spec;
        private final CompletableFuture<BackendFile> result;
        private final Piece path;
        private Piece statx;
        private int fd = -1;
        private UringFile opened;

        Open(Ring ring, OpenSpec spec, CompletableFuture<BackendFile> result) {
            super(null);
            this.ring = ring;
            this.spec = spec;
            this.result = result;
            this.path = NativeMemory.cString(spec.path());
            sqe(Linux.IORING_OP_OPENAT, Linux.AT_FDCWD, 0, path.address, spec.createMode(), Linux.openFlags(spec));
        }

        @Override
        void complete(int res) {
            if (fd < 0) {
                opened(res);
            } else if (opened == null) {
                typeKnown(res);
            } else { // the unlink for DELETE_ON_CLOSE; like the JDK, its outcome is ignored
                finish();
            }
        }

        private void opened(int res) {
            if (res < 0) {
                path.release();
                result.completeExceptionally(Errno.exception(-res, spec.path().toString()));
                return;
            }
            fd = res;
            statx = NativeMemory.allocate(Linux.STATX_BUFFER_SIZE, false);
            sqe(Linux.IORING_OP_STATX, fd, statx.address, UringFile.EMPTY_PATH_ADDRESS, Linux.STATX_BASIC_STATS,
                    Linux.AT_EMPTY_PATH);
            ring.submitOnLoop(this);
        }

        private void typeKnown(int res) {
            int type = statx.view.order(ByteOrder.nativeOrder()).getShort(Linux.STATX_MODE_OFFSET) & Linux.S_IFMT;
            statx.release();
            statx = null;
            boolean seekable = res < 0 || (type != Linux.S_IFIFO && type != Linux.S_IFSOCK);
            opened = new UringFile(UringBackend.this, ring, fd, spec.path(), spec.direct(), seekable);
            openFiles.add(opened);
            if (shutdown) { // raced with shutdown, which may not have seen this file
                opened.close(IGNORE);
                path.release();
                result.completeExceptionally(new ClosedFileSystemException());
                return;
            }
            if (spec.deleteOnClose()) {
                sqe(Linux.IORING_OP_UNLINKAT, Linux.AT_FDCWD, 0, path.address, 0, 0);
                ring.submitOnLoop(this);
                return;
            }
            finish();
        }

        private void finish() {
            path.release();
            result.complete(opened);
        }

        @Override
        void reject(Throwable error) {
            path.release();
            if (statx != null) {
                statx.release();
            }
            if (opened != null) {
                opened.closeAfterStop();
            } else if (fd >= 0) {
                closeQuietly(fd);
            }
            result.completeExceptionally(error instanceof AsynchronousCloseException
                    ? new ClosedFileSystemException() : error);
        }

        @Override
        void abandon(Throwable error) {
            result.completeExceptionally(new ClosedFileSystemException());
        }
    }

    static void closeQuietly(int fd) {
        try {
            new io.netty.channel.unix.FileDescriptor(fd).close();
        } catch (java.io.IOException ignored) {
            // nothing more can be done for a descriptor being discarded
        }
    }

    /** STATX by path, following symbolic links. */
    private static final class StatxPath extends RingOp {
        private final Path target;
        private final CompletableFuture<Long> result;
        private final Piece path;
        private final Piece statx = NativeMemory.allocate(Linux.STATX_BUFFER_SIZE, false);

        StatxPath(Path target, CompletableFuture<Long> result) {
            super(null);
            this.target = target;
            this.result = result;
            this.path = NativeMemory.cString(target);
            sqe(Linux.IORING_OP_STATX, Linux.AT_FDCWD, statx.address, path.address, Linux.STATX_BASIC_STATS, 0);
        }

        @Override
        void complete(int res) {
            long size = statx.view.order(ByteOrder.nativeOrder()).getLong(Linux.STATX_SIZE_OFFSET);
            path.release();
            statx.release();
            if (res < 0) {
                result.completeExceptionally(Errno.exception(-res, target.toString()));
            } else {
                result.complete(size);
            }
        }

        @Override
        void reject(Throwable error) {
            path.release();
            statx.release();
            result.completeExceptionally(new ClosedFileSystemException());
        }

        @Override
        void abandon(Throwable error) {
            result.completeExceptionally(new ClosedFileSystemException());
        }
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
