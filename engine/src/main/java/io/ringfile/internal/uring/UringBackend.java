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
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The io_uring backend: a group of Netty io_uring event loops, one {@link Ring} each. A file is opened on one ring,
 * its home; reads and writes of a regular file spread over every ring (see {@link UringFile}). Operations io_uring has no opcode for run on the blocking executor it is given.
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
        CompletableFuture<BackendFile> result = new CompletableFuture<>();
        if (shutdown) {
            result.completeExceptionally(new ClosedFileSystemException());
            return result;
        }
        Ring ring = pickRing();
        ring.submit(new Open(ring, spec, result));
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
                result.completeExceptionally(Errno.openFailure(-res, spec.path().toString(), spec.noFollow()));
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

    /** A path operation: its C strings and statx buffer live until the completion arrives. */
    private static final class PathOp<T> extends RingOp {
        /** Turns the kernel's result (and the statx buffer, if any) into a value, or throws the error. */
        interface Outcome<T> {
            T of(int res, ByteBuffer statx) throws IOException;
        }

        private final Piece first;
        private final Piece second;
        private final Piece statx;
        private final Outcome<T> outcome;
        private final CompletableFuture<T> result = new CompletableFuture<>();

        PathOp(Piece first, Piece second, Piece statx, Outcome<T> outcome) {
            super(null);
            this.first = first;
            this.second = second;
            this.statx = statx;
            this.outcome = outcome;
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
            first.release();
            if (second != null) {
                second.release();
            }
            if (statx != null) {
                statx.release();
            }
        }

        @Override
        void reject(Throwable error) {
            release();
            result.completeExceptionally(new ClosedFileSystemException());
        }

        @Override
        void abandon(Throwable error) {
            result.completeExceptionally(new ClosedFileSystemException());
        }
    }

    private <T> CompletableFuture<T> submit(PathOp<T> op) {
        if (shutdown) {
            op.reject(new ClosedFileSystemException());
        } else {
            pickRing().submit(op);
        }
        return op.result;
    }

    private <T> CompletableFuture<T> statx(Path path, boolean followLinks, PathOp.Outcome<T> outcome) {
        Piece name = NativeMemory.cString(path);
        Piece statx = NativeMemory.allocate(Linux.STATX_BUFFER_SIZE, false);
        PathOp<T> op = new PathOp<>(name, null, statx, outcome);
        op.sqe(Linux.IORING_OP_STATX, Linux.AT_FDCWD, statx.address, name.address, Linux.STATX_BASIC_AND_BIRTH,
                followLinks ? 0 : Linux.AT_SYMLINK_NOFOLLOW);
        return submit(op);
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
        Piece name = NativeMemory.cString(dir);
        PathOp<Void> op = new PathOp<>(name, null, null, (res, statx) -> {
            check(res, dir);
            return null;
        });
        op.sqe(Linux.IORING_OP_MKDIRAT, Linux.AT_FDCWD, 0, name.address, mode, 0);
        return submit(op);
    }

    /** unlink(2), then rmdir(2) if it named a directory; the raw result. */
    private CompletableFuture<Integer> unlink(Path path, int flags) {
        Piece name = NativeMemory.cString(path);
        PathOp<Integer> op = new PathOp<>(name, null, null, (res, statx) -> res);
        op.sqe(Linux.IORING_OP_UNLINKAT, Linux.AT_FDCWD, 0, name.address, 0, flags);
        return submit(op);
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
        Piece from = NativeMemory.cString(source);
        Piece to = NativeMemory.cString(target);
        PathOp<Void> op = new PathOp<>(from, to, null, (res, statx) -> {
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
        });
        op.sqe(Linux.IORING_OP_RENAMEAT, Linux.AT_FDCWD, to.address, from.address, Linux.AT_FDCWD,
                replaceExisting ? 0 : Linux.RENAME_NOREPLACE);
        return submit(op);
    }

    @Override
    public CompletableFuture<Void> createLink(Path link, Path existing) {
        Piece from = NativeMemory.cString(existing);
        Piece to = NativeMemory.cString(link);
        PathOp<Void> op = new PathOp<>(from, to, null, (res, statx) -> {
            if (res == -Errno.EEXIST) {
                throw Errno.exception(-res, link.toString(), null);
            }
            if (res < 0) {
                throw Errno.exception(-res, link.toString(), existing.toString());
            }
            return null;
        });
        op.sqe(Linux.IORING_OP_LINKAT, Linux.AT_FDCWD, to.address, from.address, Linux.AT_FDCWD, 0);
        return submit(op);
    }

    @Override
    public CompletableFuture<Void> createSymbolicLink(Path link, Path target) {
        Piece content = NativeMemory.cString(target);
        Piece name = NativeMemory.cString(link);
        PathOp<Void> op = new PathOp<>(content, name, null, (res, statx) -> {
            check(res, link);
            return null;
        });
        op.sqe(Linux.IORING_OP_SYMLINKAT, Linux.AT_FDCWD, name.address, content.address, 0, 0);
        return submit(op);
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
