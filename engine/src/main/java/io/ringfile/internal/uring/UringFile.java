package io.ringfile.internal.uring;

import io.ringfile.internal.backend.BackendFile;
import io.ringfile.internal.backend.Completion;
import io.ringfile.internal.uring.NativeMemory.Piece;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.AsynchronousCloseException;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;

/**
 * A descriptor opened through a ring; every operation on it goes through that same ring.
 *
 * <p>The descriptor is closed only after every op accepted for it has completed, so its number is never reused
 * under a pending op. Close first asks the kernel to cancel what it can (pipe reads, for instance); regular-file
 * I/O cannot be cancelled and simply finishes.
 */
final class UringFile implements BackendFile {
    private static final ByteBuffer EMPTY_PATH = ByteBuffer.allocateDirect(1); // "" for AT_EMPTY_PATH; never freed
    static final long EMPTY_PATH_ADDRESS = NativeMemory.address(EMPTY_PATH);

    final UringBackend backend;
    final Ring ring;
    final int fd;
    final String name;
    private final Path path;
    private final boolean direct;
    private final boolean seekable;

    // Loop-thread state
    private int inFlight;
    private boolean closeRequested;
    private boolean closed;
    private final List<Completion> closeWaiters = new ArrayList<>(1);

    UringFile(UringBackend backend, Ring ring, int fd, Path path, boolean direct, boolean seekable) {
        this.backend = backend;
        this.ring = ring;
        this.fd = fd;
        this.path = path;
        this.name = path.toString();
        this.direct = direct;
        this.seekable = seekable;
    }

    @Override
    public void read(ByteBuffer dst, long position, Completion completion) {
        if (seekCheck(position, completion)) {
            ring.submit(new Transfer(this, true, dst, position, completion));
        }
    }

    @Override
    public void write(ByteBuffer src, long position, Completion completion) {
        if (seekCheck(position, completion)) {
            ring.submit(new Transfer(this, false, src, position, completion));
        }
    }

    /** A position on a pipe or socket fails as pread(2) would, instead of being ignored as io_uring does. */
    private boolean seekCheck(long position, Completion completion) {
        if (seekable || position == CURRENT_POSITION) {
            return true;
        }
        completion.failed(Errno.exception(Errno.ESPIPE, name));
        return false;
    }

    @Override
    public void size(Completion completion) {
        ring.submit(new Size(this, completion, -1));
    }

    @Override
    public void truncate(long size, Completion completion) {
        ring.submit(new Size(this, completion, size));
    }

    @Override
    public void force(boolean metaData, Completion completion) {
        ring.submit(new Simple(this, completion)
                .sqe(Linux.IORING_OP_FSYNC, fd, 0, 0, 0, metaData ? 0 : Linux.IORING_FSYNC_DATASYNC));
    }

    @Override
    public void close(Completion completion) {
        ring.submit(new CloseRequest(this, completion));
    }

    // ---- loop thread

    /** Counts {@code op} as in flight, or rejects it because the file is closing. */
    private boolean admit(RingOp op, boolean partOfClose) {
        if (closeRequested && !partOfClose) {
            op.reject(new AsynchronousCloseException());
            return false;
        }
        inFlight++;
        return true;
    }

    /** An admitted op has completed. */
    private void done() {
        if (--inFlight == 0 && closeRequested && !closed) {
            ring.submitOnLoop(new CloseFd(this));
        }
    }

    private void requestClose(Completion completion) {
        if (closed) {
            completion.completed(0);
            return;
        }
        closeWaiters.add(completion);
        if (closeRequested) {
            return;
        }
        closeRequested = true;
        if (inFlight == 0) {
            ring.submitOnLoop(new CloseFd(this));
        } else {
            ring.submitOnLoop(new CancelAll(this)); // counts as in flight, so the close waits for it too
        }
    }

    private void closed(int res) {
        closed = true;
        backend.forget(this);
        for (Completion waiter : closeWaiters) {
            if (res < 0) {
                waiter.failed(Errno.exception(-res, name));
            } else {
                waiter.completed(0);
            }
        }
        closeWaiters.clear();
    }

    /** Engine shutdown after the rings have stopped: close a descriptor whose close never ran. */
    void closeAfterStop() {
        if (!closed) {
            closed = true;
            UringBackend.closeQuietly(fd);
            for (Completion waiter : closeWaiters) {
                waiter.completed(0);
            }
        }
    }

    // ---- ops

    /** Base of ops that count against this file and report to one completion. */
    private abstract static class FileOp extends RingOp {
        final Completion completion;

        FileOp(UringFile file, Completion completion) {
            super(file);
            this.completion = completion;
        }

        @Override
        boolean beforeSubmit() {
            return file.admit(this, false);
        }

        @Override
        void reject(Throwable error) {
            releaseMemory();
            completion.failed(error);
        }

        @Override
        void abandon(Throwable error) {
            completion.abandoned(error);
        }

        void releaseMemory() {
        }

        final void report(long result) {
            file.done();
            completion.completed(result);
        }

        final void reportErrno(int res) {
            file.done();
            completion.failed(Errno.exception(-res, file.name));
        }
    }

    /** READ or WRITE; heap buffers go through a pooled direct bounce buffer of at most 1 MiB. */
    private static final class Transfer extends FileOp {
        private final boolean read;
        private final ByteBuffer user;
        private final int length;
        private final Piece bounce;

        Transfer(UringFile file, boolean read, ByteBuffer user, long position, Completion completion) {
            super(file, completion);
            this.read = read;
            this.user = user;
            long address;
            if (user.isDirect()) {
                length = user.remaining();
                bounce = null;
                address = NativeMemory.address(user) + user.position();
            } else {
                length = Math.min(user.remaining(), HEAP_TRANSFER_LIMIT);
                bounce = NativeMemory.allocate(length, file.direct);
                if (!read) {
                    bounce.view.put(0, user, user.position(), length);
                }
                address = bounce.address;
            }
            sqe(read ? Linux.IORING_OP_READ : Linux.IORING_OP_WRITE, file.fd, position, address, length, 0);
        }

        @Override
        void complete(int res) {
            if (res > 0) {
                int at = user.position();
                if (read && bounce != null) {
                    user.put(at, bounce.view, 0, res);
                }
                user.position(at + res);
            }
            releaseMemory();
            if (res < 0) {
                reportErrno(res);
            } else {
                report(read && res == 0 && length > 0 ? -1 : res);
            }
        }

        @Override
        void releaseMemory() {
            if (bounce != null) {
                bounce.release();
            }
        }
    }

    /** An op whose result is 0 or -errno (fsync, fdatasync). */
    private static final class Simple extends FileOp {
        Simple(UringFile file, Completion completion) {
            super(file, completion);
        }

        @Override
        void complete(int res) {
            if (res < 0) {
                reportErrno(res);
            } else {
                report(0);
            }
        }
    }

    /** STATX on the descriptor; reports the size, or with a target size shrinks the file to it if larger. */
    private static final class Size extends FileOp {
        private final long truncateTo;
        private final Piece statx = NativeMemory.allocate(Linux.STATX_BUFFER_SIZE, false);

        Size(UringFile file, Completion completion, long truncateTo) {
            super(file, completion);
            this.truncateTo = truncateTo;
            sqe(Linux.IORING_OP_STATX, file.fd, statx.address, EMPTY_PATH_ADDRESS, Linux.STATX_BASIC_STATS,
                    Linux.AT_EMPTY_PATH);
        }

        @Override
        void complete(int res) {
            long size = statx.view.order(ByteOrder.nativeOrder()).getLong(Linux.STATX_SIZE_OFFSET);
            releaseMemory();
            if (res < 0) {
                reportErrno(res);
            } else if (truncateTo < 0) {
                report(size);
            } else if (size <= truncateTo) {
                report(0);
            } else {
                file.ring.submitOnLoop(new Ftruncate(file, completion, truncateTo)); // admitted before this op is done
                file.done();
            }
        }

        @Override
        void releaseMemory() {
            statx.release();
        }
    }

    /** FTRUNCATE (Linux 6.9+); on older kernels the pool truncates through /proc/self/fd. */
    private static final class Ftruncate extends FileOp {
        private final long size;

        Ftruncate(UringFile file, Completion completion, long size) {
            super(file, completion);
            this.size = size;
            sqe(Linux.IORING_OP_FTRUNCATE, file.fd, size, 0, 0, 0);
        }

        @Override
        boolean beforeSubmit() {
            if (!file.backend.ftruncateSupported) {
                if (file.admit(this, false)) {
                    truncateOnPool();
                }
                return false;
            }
            return super.beforeSubmit();
        }

        @Override
        void complete(int res) {
            if (res == -Errno.EINVAL) {
                file.backend.ftruncateSupported = false;
                truncateOnPool(); // stays admitted until the pool is done
            } else if (res < 0) {
                reportErrno(res);
            } else {
                report(0);
            }
        }

        private void truncateOnPool() {
            UringFile f = file;
            f.backend.blockingExecutor().execute(() -> {
                Throwable error = null;
                try (FileChannel channel = FileChannel.open(Path.of("/proc/self/fd/" + f.fd),
                        StandardOpenOption.WRITE)) {
                    channel.truncate(size);
                } catch (IOException e) {
                    error = e;
                }
                Throwable outcome = error;
                f.ring.execute(() -> {
                    if (outcome == null) {
                        report(0);
                    } else {
                        f.done();
                        completion.failed(new java.nio.file.FileSystemException(f.name, null, outcome.getMessage()));
                    }
                });
            });
        }
    }

    /** Asks the kernel to cancel every request on the descriptor (Linux 6.0+; harmless where unsupported). */
    private static final class CancelAll extends RingOp {
        CancelAll(UringFile file) {
            super(file);
            sqe(Linux.IORING_OP_ASYNC_CANCEL, file.fd, 0, 0, 0,
                    Linux.IORING_ASYNC_CANCEL_ALL | Linux.IORING_ASYNC_CANCEL_FD);
        }

        @Override
        boolean beforeSubmit() {
            return file.admit(this, true);
        }

        @Override
        void complete(int res) {
            file.done();
        }

        @Override
        void reject(Throwable error) {
        }

        @Override
        void abandon(Throwable error) {
        }
    }

    /** CLOSE, submitted once nothing of the file is in flight. */
    private static final class CloseFd extends RingOp {
        CloseFd(UringFile file) {
            super(file);
            sqe(Linux.IORING_OP_CLOSE, file.fd, 0, 0, 0, 0);
        }

        @Override
        void complete(int res) {
            file.closed(res);
        }

        @Override
        void reject(Throwable error) {
            // the ring stopped first: the backend closes leftover descriptors itself
        }

        @Override
        void abandon(Throwable error) {
        }
    }

    /** Carries a close request to the loop thread, in order with the file's other ops. */
    private static final class CloseRequest extends RingOp {
        private final Completion completion;

        CloseRequest(UringFile file, Completion completion) {
            super(file);
            this.completion = completion;
        }

        @Override
        boolean beforeSubmit() {
            file.requestClose(completion);
            return false;
        }

        @Override
        void complete(int res) {
            throw new IllegalStateException("never submitted");
        }

        @Override
        void reject(Throwable error) {
            completion.completed(0); // the ring has stopped; the backend closes leftover descriptors itself
        }

        @Override
        void abandon(Throwable error) {
        }
    }
}
