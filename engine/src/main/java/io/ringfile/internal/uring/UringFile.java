package io.ringfile.internal.uring;

import io.ringfile.internal.backend.BackendFile;
import io.ringfile.internal.backend.Completion;
import io.ringfile.internal.backend.PlatformPaths;
import io.ringfile.internal.backend.TransferRequest;
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
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A descriptor opened through a ring, its home. Reads and writes of a regular file go to the calling thread's own
 * ring, or from other threads to each ring in turn, so one file can keep every ring busy; everything else (size,
 * truncate, force, close, and all I/O on pipes and other unseekable files, whose reads close must cancel) goes to
 * the home ring.
 *
 * <p>The descriptor is closed only after every op accepted for it, on any ring, has completed, so its number is
 * never reused under a pending op. Close first asks the kernel to cancel what it can (pipe reads, for instance);
 * regular-file I/O cannot be cancelled and simply finishes.
 */
final class UringFile implements BackendFile {
    private static final ByteBuffer EMPTY_PATH = ByteBuffer.allocateDirect(1); // "" for AT_EMPTY_PATH; never freed
    static final long EMPTY_PATH_ADDRESS = NativeMemory.address(EMPTY_PATH);

    /** {@link #admitted}'s flag once close was requested; the bits below count admitted ops. */
    private static final int CLOSING = 1 << 30;

    final UringBackend backend;
    final Ring ring; // home
    final int fd;
    private final Path path;
    private final boolean direct;
    /** With O_DIRECT: what buffer addresses, and file positions and lengths, must be multiples of; else 0. */
    private final int memoryAlignment;
    private final int offsetAlignment;
    private final boolean seekable;
    private final boolean spread; // reads and writes go to every ring
    private final long sizeAtOpen;
    /** What the open's statx said of the file, or null where it did not say all of it. */
    private final java.nio.file.attribute.BasicFileAttributes attributesAtOpen;
    /** The file system's device for a regular file, else -1: no reads without waiting (see {@link #readIfCached}). */
    private final long device;
    /**
     * On a FUSE or network file system ({@link MountTable}): even a read or write that must not wait can wait there
     * (FUSE blocks it until one of its few background request slots is free), so its data operations go to a
     * kernel worker at once and none is tried on a caller's thread. io-wq counts such reads and writes as
     * unbounded work (it sorts work sent at once before the file is looked up), so they are limited by the ring's
     * unbounded worker bound, not the bounded one ({@code FileEngine.Builder.maxKernelWorkers}).
     */
    final boolean punted;
    /**
     * Devices whose file system refused RWF_NOWAIT once: they are not asked again. Copied on write (a device is added
     * at most once per file system), so that the check on every read boxes nothing.
     */
    private static volatile long[] refusingDevices = {};
    /** This file's device refused RWF_NOWAIT (seen at open, or by one of its reads). */
    private volatile boolean noWaitRefused;
    /**
     * The descriptor still has the O_NONBLOCK of an open on a caller's thread ({@link UringBackend}'s whole-file
     * read and cached open: it must not wait for a FIFO's other side). io_uring takes that flag as "never wait": a
     * read of data not in memory would fail with EAGAIN instead of waiting. The calls made on callers' threads do not
     * mind it (preadv2 with RWF_NOWAIT, statx, close), so it is cleared only before this file's first operation
     * through a ring ({@link #readyForRing}): a cached file read and closed on the caller's thread never pays the
     * fcntl.
     */
    private volatile boolean nonBlocking;

    private static boolean refuses(long device) {
        for (long d : refusingDevices) {
            if (d == device) {
                return true;
            }
        }
        return false;
    }

    private static synchronized void refused(long device) {
        if (!refuses(device)) {
            long[] more = java.util.Arrays.copyOf(refusingDevices, refusingDevices.length + 1);
            more[more.length - 1] = device;
            refusingDevices = more;
        }
    }
    private final AtomicInteger admitted = new AtomicInteger();
    private int nextRing; // racy on purpose: only spreads the load

    private final AtomicBoolean fdClaimed = new AtomicBoolean(); // see claimClose()
    // Close state, guarded by this
    private boolean closed;
    private final List<Completion> closeWaiters = new ArrayList<>(1);

    UringFile(UringBackend backend, Ring ring, int fd, Path path, boolean direct, boolean seekable,
              int memoryAlignment, int offsetAlignment, long sizeAtOpen, long device,
              java.nio.file.attribute.BasicFileAttributes attributesAtOpen, boolean onMountThatWaits) {
        this.backend = backend;
        this.ring = ring;
        this.fd = fd;
        this.path = path;
        this.direct = direct;
        this.memoryAlignment = direct ? memoryAlignment : 0;
        this.offsetAlignment = direct ? offsetAlignment : 0;
        this.seekable = seekable;
        this.spread = seekable && backend.ringCount() > 1;
        this.sizeAtOpen = sizeAtOpen;
        this.attributesAtOpen = attributesAtOpen;
        this.punted = onMountThatWaits;
        // a direct read without waiting may still wait for the device; so may any read on FUSE
        this.device = direct || punted ? -1 : device;
        this.noWaitRefused = this.device >= 0 && refuses(this.device);
    }

    /**
     * Equality stays identity; the hash is the descriptor's, unique among the files open at once, where the identity
     * hash of a new object costs a call into the VM at its first use (the backend's set of open files).
     */
    @Override
    public int hashCode() {
        return fd * 0x9E3779B9;
    }

    /** Set by the open that leaves O_NONBLOCK on the descriptor, before the file is handed to anyone. */
    void openedNonBlocking() {
        nonBlocking = true;
    }

    /**
     * Ring thread, before an entry that uses this descriptor is submitted: clears the open's O_NONBLOCK if it is
     * still set (see {@link #nonBlocking}). 0, or the negated errno of the fcntl that failed (the entry must not be
     * submitted then: the kernel would take the flag as "never wait"). Two rings may both clear it: that is harmless.
     */
    int readyForRing() {
        if (!nonBlocking) {
            return 0;
        }
        int res = NoWaitCalls.clearNonBlocking(fd);
        if (res == 0) {
            nonBlocking = false;
        }
        return res;
    }

    /**
     * A {@code preadv2(RWF_NOWAIT)} on the calling thread ({@link NoWaitCalls}), for buffered regular files on file
     * systems that have not refused the flag. The descriptor counts as in flight meanwhile, so a concurrent close
     * cannot let its number be reused under the read.
     */
    @Override
    public int readIfCached(ByteBuffer dst, long position) {
        if (device < 0 || position < 0 || !NoWaitCalls.available() || noWaitRefused || !admit()) {
            return NOT_CACHED;
        }
        try {
            int n = NoWaitCalls.read(fd, dst, position, HEAP_TRANSFER_LIMIT);
            if (n == NoWaitCalls.REFUSED) {
                refused(device);
                noWaitRefused = true;
                return NOT_CACHED;
            }
            return n == NoWaitCalls.MISS ? NOT_CACHED : n;
        } finally {
            done();
        }
    }

    /**
     * A {@code pwrite} on the calling thread ({@link NoWaitCalls#write}), for buffered regular files on local file
     * systems (those whose reads may be tried on the caller's thread). The descriptor counts as in flight meanwhile,
     * so a concurrent close cannot let its number be reused under the write.
     */
    @Override
    public boolean writesOnCallerThread() {
        return device >= 0 && NoWaitCalls.available();
    }

    @Override
    public int writeOnCallerThread(ByteBuffer src, long position) {
        if (device < 0 || position < 0 || !NoWaitCalls.available() || !admit()) {
            return NOT_WRITTEN;
        }
        try {
            int n = NoWaitCalls.write(fd, src, position, HEAP_TRANSFER_LIMIT);
            return n == NoWaitCalls.NOT_WRITTEN ? NOT_WRITTEN : n;
        } finally {
            done();
        }
    }

    /**
     * The {@code size} bytes of a regular file on {@code device}, read from {@code fd} on the calling thread without
     * waiting, with one read past them that must find end of file; fewer where the file ended sooner (it shrank).
     * Null where a read would wait, the file grew, or the file system refuses RWF_NOWAIT (remembered): the caller
     * reads the usual way. {@code fd} is the caller's, not yet any file's.
     */
    static byte[] readWholeIfCached(int fd, int size, long device) {
        if (refuses(device)) {
            return null;
        }
        byte[] array = new byte[size];
        ByteBuffer dst = ByteBuffer.wrap(array);
        if (size < NoWaitCalls.PAST_END_LIMIT) { // the body and the byte past it in one call
            int n = NoWaitCalls.readPastEnd(fd, array, 0, size, 0);
            if (n == NoWaitCalls.REFUSED) {
                refused(device);
                return null;
            }
            if (n == NoWaitCalls.MISS || n > size) { // not in memory, or it grew
                return null;
            }
            if (n == -1) { // empty, or it shrank to nothing
                return size == 0 ? array : new byte[0];
            }
            if (n == size) { // a short read of a regular file: its end (data past it is a later append)
                return array;
            }
            dst.position(n); // fewer: it shrank, or only part is in memory
        }
        while (dst.hasRemaining()) {
            int n = NoWaitCalls.read(fd, dst, dst.position(), Integer.MAX_VALUE);
            if (n == NoWaitCalls.REFUSED) {
                refused(device);
                return null;
            }
            if (n == NoWaitCalls.MISS) {
                return null;
            }
            if (n < 0) { // end of file sooner: it shrank
                return java.util.Arrays.copyOf(array, dst.position());
            }
        }
        int past = NoWaitCalls.read(fd, ByteBuffer.allocate(1), size, 1);
        if (past == NoWaitCalls.REFUSED) {
            refused(device);
        }
        return past == -1 ? array : null; // it grew, or the probe missed
    }

    /** The path as text, for messages: made when first needed (a Path keeps it), not for every open. */
    String name() {
        return path.toString();
    }

    @Override
    public long sizeAtOpen() {
        return sizeAtOpen;
    }

    @Override
    public java.nio.file.attribute.BasicFileAttributes attributesAtOpen() {
        return attributesAtOpen;
    }

    /** A statx of the descriptor on the calling thread ({@link NoWaitCalls}); -1 where that cannot be had. */
    @Override
    public long sizeOnCallerThread() {
        if (!NoWaitCalls.available() || RingThreads.isCurrent() || !admit()) {
            return -1;
        }
        try {
            ByteBuffer b = ByteBuffer.allocate(Linux.STATX_BUFFER_SIZE).order(ByteOrder.nativeOrder());
            if (NoWaitCalls.statxOpenFileSynced(fd, Linux.STATX_SIZE, b) != 0) {
                return -1;
            }
            return (b.getInt(0) & Linux.STATX_SIZE) != 0 ? b.getLong(Linux.STATX_SIZE_OFFSET) : -1;
        } finally {
            done();
        }
    }

    /**
     * Closes the descriptor on the calling thread when nothing of this file is in flight, queued or closing: the
     * count goes from 0 straight to CLOSING, so nothing can be admitted after, and the one close is claimed as the
     * ring's would be. Close errors are reported, as the ring's CLOSE reports them.
     */
    @Override
    public boolean closeOnCallerThread(Completion completion) {
        return !RingThreads.isCurrent() && closeHere(completion);
    }

    /**
     * A read-only file's close on the calling thread, a ring's or a loop's included: nothing is left to write back,
     * so close(2) waits for nothing, except on FUSE and network file systems, where it sends a flush (left to the
     * ring).
     */
    @Override
    public boolean closeReadOnlyWithoutWaiting(Completion completion) {
        return !punted && closeHere(completion);
    }

    private boolean closeHere(Completion completion) {
        if (!NoWaitCalls.available() || !admitted.compareAndSet(0, CLOSING)) {
            return false;
        }
        synchronized (this) {
            if (closed) { // by the backend's shutdown
                completion.completed(0);
                return true;
            }
            closeWaiters.add(completion);
        }
        if (claimClose()) {
            closed(NoWaitCalls.close(fd));
        } // else the backend's shutdown claimed it: it closes it and then tells every waiter, this one too
        return true;
    }

    @Override
    public boolean seekable() {
        return seekable;
    }

    /**
     * Opens {@code /proc/self/fd/N} of this descriptor with the platform's own provider: the same open file even if
     * its name was since removed or replaced. The descriptor counts as in flight meanwhile, so a concurrent close
     * cannot let its number be reused under the open.
     */
    @Override
    public FileChannel platformChannel(boolean read, boolean write) throws IOException {
        if (!admit()) {
            throw new java.nio.channels.ClosedChannelException();
        }
        try {
            java.util.Set<StandardOpenOption> access = java.util.EnumSet.noneOf(StandardOpenOption.class);
            if (read) {
                access.add(StandardOpenOption.READ);
            }
            if (write) {
                access.add(StandardOpenOption.WRITE);
            }
            return FileChannel.open(PlatformPaths.builtinPath("/proc/self/fd/" + fd), access);
        } finally {
            done();
        }
    }

    /** Every ring may hold it (transfers spread over the rings): each looks on its own thread. */
    @Override
    public void cancel(Completion completion, Throwable error) {
        for (int i = 0; i < backend.ringCount(); i++) {
            Ring r = backend.ring(i);
            try {
                r.loop.execute(() -> r.cancel(completion, error));
            } catch (java.util.concurrent.RejectedExecutionException e) {
                // the loop has ended: the ring's shutdown reports every op it held
            }
        }
    }

    @Override
    public void transfer(TransferRequest request) {
        if (!seekCheck(request.position(), request)) {
            return;
        }
        if (request.buffer().isDirect()) {
            transferRing().submit(request); // the ring gives it a reusable op of its own
            return;
        }
        HeapTransfer op;
        try {
            op = new HeapTransfer(this, request);
        } catch (Throwable e) { // no direct memory for the copy: this transfer fails, nothing else
            request.failed(e);
            return;
        }
        transferRing().submit(op);
    }

    /** The ring for a read or write: the caller's own, or the next in turn. */
    private Ring transferRing() {
        if (!spread) {
            return ring;
        }
        Ring own = backend.callersRing();
        return own != null ? own : backend.ring(nextRing++);
    }

    /** A position on a pipe or socket fails as pread(2) would, instead of being ignored as io_uring does. */
    private boolean seekCheck(long position, Completion completion) {
        if (seekable || position == CURRENT_POSITION) {
            return true;
        }
        completion.failed(Errno.exception(Errno.ESPIPE, name()));
        return false;
    }

    @Override
    public Runnable sendTo(int socket, long position, long count, Completion completion) {
        if (!seekable) {
            completion.failed(new UnsupportedOperationException("only a regular file can be spliced: " + name()));
            return NO_SEND;
        }
        Ring on = transferRing(); // the caller's own ring when it runs on one: a server's loop shares it
        SendToSocket op;
        try {
            op = new SendToSocket(this, completion, on, socket, position, count);
        } catch (Throwable e) { // no pipe or descriptor to be had (out of descriptors, say), or no foreign calls
            completion.failed(e);
            return NO_SEND;
        }
        on.submit(op);
        return op::socketClosed;
    }

    @Override
    public int directIoAlignment() {
        return Math.max(memoryAlignment, offsetAlignment);
    }

    /**
     * The exception for a failed transfer: for EINVAL on a file opened with O_DIRECT, which value is not aligned
     * (worded as the JDK words it), when one is not.
     */
    private IOException transferError(int res, long position, int length, long address) {
        if (res == -Errno.EINVAL && direct) {
            String reason = null;
            if (offsetAlignment > 0 && position >= 0 && position % offsetAlignment != 0) {
                reason = "Channel position (" + position + ") is not a multiple of the block size ("
                        + offsetAlignment + ")";
            } else if (offsetAlignment > 0 && length % offsetAlignment != 0) {
                reason = "Number of remaining bytes (" + length + ") is not a multiple of the block size ("
                        + offsetAlignment + ")";
            } else if (memoryAlignment > 0 && address % memoryAlignment != 0) {
                reason = "Current location of the bytebuffer (address " + address
                        + ") is not a multiple of the block size (" + memoryAlignment + ")";
            }
            if (reason != null) {
                return new java.nio.file.FileSystemException(name(), null, reason);
            }
        }
        return Errno.exception(-res, name());
    }

    @Override
    public void size(Completion completion) {
        Size op;
        try {
            op = new Size(this, completion, -1);
        } catch (Throwable e) {
            completion.failed(e);
            return;
        }
        ring.submit(op);
    }

    @Override
    public java.util.concurrent.CompletableFuture<java.nio.file.attribute.BasicFileAttributes> readAttributes() {
        AttributesOutcome outcome = new AttributesOutcome();
        Attributes op;
        try {
            op = new Attributes(this, outcome);
        } catch (Throwable e) { // no direct memory for the statx buffer
            outcome.failed(e);
            return outcome.result;
        }
        ring.submit(op);
        return outcome.result;
    }

    /**
     * statx(2) of the descriptor on the calling thread: on a local file system the open file's inode is in memory
     * and nothing waits. Not on FUSE or network file systems, where statx asks the server.
     */
    @Override
    public java.nio.file.attribute.BasicFileAttributes readAttributesWithoutWaiting() {
        if (punted || !NoWaitCalls.available() || !admit()) {
            return null;
        }
        try {
            ByteBuffer statx = UringBackend.StatxScratch.buffer();
            if (NoWaitCalls.statxOpenFileSynced(fd, Linux.STATX_BASIC_AND_BIRTH, statx) != 0) {
                return null;
            }
            return StatxAttributes.parse(statx);
        } finally {
            done();
        }
    }

    @Override
    public void truncate(long size, Completion completion) {
        Size op;
        try {
            op = new Size(this, completion, size);
        } catch (Throwable e) {
            completion.failed(e);
            return;
        }
        ring.submit(op);
    }

    @Override
    public void force(boolean metaData, Completion completion) {
        Simple op;
        try {
            op = new Simple(this, completion);
        } catch (Throwable e) {
            completion.failed(e);
            return;
        }
        ring.submit(op.sqe(Linux.IORING_OP_FSYNC, fd, 0, 0, 0, metaData ? 0 : Linux.IORING_FSYNC_DATASYNC));
    }

    @Override
    public void close(Completion completion) {
        CloseRequest request = new CloseRequest(this, completion);
        if (!spread) {
            ring.submit(request);
            return;
        }
        // Ops this thread submitted before close reach their rings first: let a marker pass through every ring.
        AtomicInteger toPass = new AtomicInteger(backend.ringCount());
        for (int i = 0; i < backend.ringCount(); i++) {
            backend.ring(i).submit(new CloseMarker(this, toPass, request));
        }
    }

    // ---- loop thread

    /** Counts an op as in flight; false when the file is closing, and the op must be refused. Any ring's thread. */
    boolean admit() {
        for (;;) {
            int now = admitted.get();
            if ((now & CLOSING) != 0) {
                return false;
            }
            if (admitted.compareAndSet(now, now + 1)) {
                return true;
            }
        }
    }

    /** An admitted op has completed; the last one after a close request closes the descriptor. Any ring's thread. */
    void done() {
        if (admitted.decrementAndGet() == CLOSING) {
            ring.submit(new CloseFd(this));
        }
    }

    /**
     * Asks for the close; {@code completion} hears when the descriptor is closed. On the home ring's thread while it
     * runs ({@code ringRunning}), or on any thread once it has stopped: then nothing can be cancelled, and the
     * descriptor is closed directly as soon as no op of the file is in flight (see {@link CloseFd#reject}).
     */
    private void requestClose(Completion completion, boolean ringRunning) {
        synchronized (this) {
            if (closed) {
                completion.completed(0);
                return;
            }
            closeWaiters.add(completion);
        }
        int before;
        int after;
        do {
            before = admitted.get();
            if ((before & CLOSING) != 0) {
                return; // a close is under way; this caller waits for it too
            }
            // + 1: the cancel below counts as in flight
            after = before == 0 ? CLOSING : before + CLOSING + (ringRunning ? 1 : 0);
        } while (!admitted.compareAndSet(before, after));
        if (before == 0) {
            if (ringRunning) {
                ring.submitOnLoop(new CloseFd(this));
            } else {
                closeAfterStop();
            }
        } else if (ringRunning) {
            ring.submitOnLoop(new CancelAll(this));
        }
    }

    /**
     * Claims the one close of the descriptor: true for exactly one caller, whether the close goes through the ring,
     * or happens directly once the rings have stopped. A descriptor closed twice could close another file's.
     */
    private boolean claimClose() {
        return fdClaimed.compareAndSet(false, true);
    }

    /** The descriptor is closed ({@code res} 0) or its close failed: tell everyone waiting. Any thread. */
    private void closed(int res) {
        List<Completion> waiters;
        synchronized (this) {
            if (closed) {
                return;
            }
            closed = true;
            waiters = new ArrayList<>(closeWaiters);
            closeWaiters.clear();
        }
        backend.forget(this);
        for (Completion waiter : waiters) {
            if (res < 0) {
                waiter.failed(Errno.exception(-res, name()));
            } else {
                waiter.completed(0);
            }
        }
    }

    /**
     * Engine shutdown, once the rings have stopped: closes the descriptor directly if no close was submitted
     * (ops the kernel still holds keep their own reference to the file). Any thread.
     */
    void closeAfterStop() {
        if (claimClose()) {
            UringBackend.closeQuietly(fd);
            closed(0);
        }
    }

    // ---- ops

    /** Base of ops that count against this file and report to one completion. */
    private abstract static class FileOp extends RingOp {
        final Completion completion;
        /** Admitted against the file (counted in flight): a done() must follow, whatever the outcome. */
        private boolean counted;

        FileOp(UringFile file, Completion completion) {
            super(file);
            this.completion = completion;
        }

        @Override
        boolean reportsTo(Object target) {
            return completion == target;
        }

        @Override
        boolean beforeSubmit() {
            if (counted) { // a later step of the same op
                return true;
            }
            if (file.admit()) {
                counted = true;
                return true;
            }
            reject(new AsynchronousCloseException());
            return false;
        }

        @Override
        void reject(Throwable error) { // never submitted, or refused from the backlog by a stopping ring
            releaseMemory();
            if (counted) {
                counted = false;
                file.done();
            }
            completion.failed(error);
        }

        @Override
        void abandon(Throwable error) {
            completion.abandoned(error);
        }

        @Override
        void reap(int res) {
            releaseMemory();
            file.done(); // now the kernel is done with the descriptor too
            completion.reaped();
        }

        void releaseMemory() {
        }

        final void report(long result) {
            file.done();
            completion.completed(result);
        }

        final void reportErrno(int res) {
            file.done();
            completion.failed(Errno.exception(-res, file.name()));
        }
    }

    /** READ or WRITE of a heap buffer, through a pooled direct bounce buffer of at most 1 MiB. */
    private static final class HeapTransfer extends FileOp {
        private final boolean read;
        private final ByteBuffer user;
        private final int length;
        private final long position;
        private final Piece bounce;

        HeapTransfer(UringFile file, TransferRequest request) {
            super(file, request);
            this.read = request.isRead();
            this.user = request.buffer();
            length = Math.min(user.remaining(), HEAP_TRANSFER_LIMIT);
            bounce = NativeMemory.allocate(length, file.direct);
            if (!read) {
                bounce.view.put(0, user, user.position(), length);
            }
            position = request.position();
            sqe(read ? Linux.IORING_OP_READ : Linux.IORING_OP_WRITE, file.fd, position, bounce.address, length, 0);
        }

        @Override
        void complete(int res) {
            if (res > 0) {
                int at = user.position();
                if (read) {
                    user.put(at, bounce.view, 0, res);
                }
                user.position(at + res);
            }
            releaseMemory();
            if (res < 0) {
                file.done();
                completion.failed(file.transferError(res, position, length, 0)); // the copy is aligned
            } else {
                report(read && res == 0 && length > 0 ? -1 : res);
            }
        }

        @Override
        void releaseMemory() {
            bounce.release();
        }
    }

    /**
     * READ or WRITE straight from a direct buffer. Each ring keeps one of these per slot and reuses it (loop thread
     * only), so a transfer costs no allocation here.
     */
    static final class DirectTransfer extends RingOp {
        private TransferRequest request;
        private boolean read;
        private int length;

        DirectTransfer() {
            super(null);
        }

        @Override
        boolean reportsTo(Object target) {
            return request != null && request == target;
        }

        /** Loop thread: prepares the entry for {@code request}, already admitted by {@code file}. */
        void start(UringFile file, TransferRequest request, AddressCache addresses) {
            ByteBuffer buffer = request.buffer();
            this.file = file;
            this.request = request;
            this.read = request.isRead();
            this.length = buffer.remaining();
            sqe(read ? Linux.IORING_OP_READ : Linux.IORING_OP_WRITE, file.fd, request.position(),
                    base(request, buffer, addresses) + buffer.position(), length, 0);
        }

        private static long base(TransferRequest request, ByteBuffer buffer, AddressCache addresses) {
            long known = request.bufferAddress();
            return known != 0 ? known : addresses.address(buffer);
        }

        @Override
        void complete(int res) {
            // Read everything first: what the request does next may submit into this very slot.
            TransferRequest done = request;
            UringFile of = file;
            boolean wasRead = read;
            int asked = length;
            request = null;
            file = null;
            if (res > 0) {
                ByteBuffer buffer = done.buffer();
                buffer.position(buffer.position() + res);
            }
            of.done();
            if (res < 0) {
                done.failed(of.transferError(res, union1, asked, union2));
            } else {
                done.completed(wasRead && res == 0 && asked > 0 ? -1 : res);
            }
        }

        @Override
        void reject(Throwable error) { // admitted, then refused by a ring that is going away
            TransferRequest refused = request;
            UringFile of = file;
            request = null;
            file = null;
            of.done();
            refused.failed(error);
        }

        @Override
        void abandon(Throwable error) {
            request.abandoned(error); // references stay: the kernel may still use the buffer
        }

        @Override
        void reap(int res) {
            TransferRequest done = request;
            UringFile of = file;
            request = null;
            file = null;
            of.done(); // now the kernel is done with the descriptor too
            done.reaped();
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

    /** Where {@link Attributes} leaves what it read, and the future it completes. */
    private static final class AttributesOutcome implements Completion {
        final java.util.concurrent.CompletableFuture<java.nio.file.attribute.BasicFileAttributes> result =
                new java.util.concurrent.CompletableFuture<>();
        java.nio.file.attribute.BasicFileAttributes attributes;

        @Override
        public void completed(long ignored) {
            result.complete(attributes);
        }

        @Override
        public void failed(Throwable error) {
            result.completeExceptionally(error);
        }
    }

    /** STATX of the descriptor (AT_EMPTY_PATH): the open file's own attributes. */
    private static final class Attributes extends FileOp {
        private final Piece statx = NativeMemory.allocate(Linux.STATX_BUFFER_SIZE, false);

        Attributes(UringFile file, AttributesOutcome outcome) {
            super(file, outcome);
            sqe(Linux.IORING_OP_STATX, file.fd, statx.address, EMPTY_PATH_ADDRESS, Linux.STATX_BASIC_AND_BIRTH,
                    Linux.AT_EMPTY_PATH);
        }

        @Override
        void complete(int res) {
            if (res < 0) {
                releaseMemory();
                reportErrno(res);
                return;
            }
            ((AttributesOutcome) completion).attributes = StatxAttributes.parse(statx.view);
            releaseMemory();
            report(0);
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
                if (file.admit()) {
                    truncateOnPool();
                } else {
                    reject(new AsynchronousCloseException());
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

        /** Truncates on the pool and reports from there: the ring may have stopped by the time it is done. */
        private void truncateOnPool() {
            UringFile f = file;
            f.backend.blockingPool().execute(() -> {
                try (FileChannel channel = FileChannel.open(PlatformPaths.builtinPath("/proc/self/fd/" + f.fd),
                        StandardOpenOption.WRITE)) {
                    channel.truncate(size);
                } catch (IOException e) {
                    f.done();
                    completion.failed(new java.nio.file.FileSystemException(f.name(), null, e.getMessage()));
                    return;
                }
                report(0);
            }, () -> { // the pool has shut down
                f.done();
                completion.failed(new AsynchronousCloseException());
            });
        }
    }

    /**
     * Sends a range of the file to a socket without copying it through user memory: SPLICE file -> pipe, then
     * pipe -> socket, a pipe's worth at a time, all on one ring. A full socket answers -EAGAIN: then POLL_ADD for
     * POLLOUT, and on. The file counts as in flight for the whole send; the pipe is the op's own, and so is the
     * descriptor it sends to: a duplicate of the channel's, taken before the first step. The channel may be closed
     * between two steps (its peer went away, say), and the kernel gives its number to the next socket or file opened;
     * a step made on that number would send this file's bytes there. Without the foreign calls that make the duplicate
     * (before JDK 22) nothing is spliced: the send is refused with {@link UnsupportedOperationException}.
     */
    private static final class SendToSocket extends FileOp {
        private static final int PIPE_CAPACITY = 64 * 1024; // a pipe's default size
        /**
         * What the pipe of a longer send grows to where it can (JDK 22+, {@link NoWaitCalls}): each splice then moves
         * up to 1 MiB, and a 64 MiB body takes 64 round trips of each kind through the kernel's workers, not 1,024.
         */
        private static final int LARGE_PIPE = 1 << 20;
        /**
         * The most bytes by which all sends' pipes are grown at once: a quarter of the default per-user limit
         * ({@code /proc/sys/fs/pipe-user-pages-soft}, 64 MiB), past which the kernel gives every new pipe of the user
         * two pages, the application's own pipes included.
         */
        private static final long GROWTH_BUDGET = 16L << 20;
        private static final java.util.concurrent.atomic.AtomicLong GROWN = new java.util.concurrent.atomic.AtomicLong();
        private static final int TO_PIPE = 0;
        private static final int TO_SOCKET = 1;
        private static final int WRITABLE = 2;

        private final Ring ring;
        /** The op's own duplicate of the channel's descriptor; -1 once closed. */
        private int socket;
        private final long start;
        private final long count;
        private final io.netty.channel.unix.FileDescriptor[] pipe; // [read end, write end]
        private long sent;
        private int inPipe;
        private int stage;
        /** The most one splice into the pipe moves. */
        private int capacity = PIPE_CAPACITY;
        /** This send's share of {@link #GROWN}, given back when the pipe is closed. */
        private long grownBy;

        SendToSocket(UringFile file, Completion completion, Ring ring, int socket, long start, long count)
                throws IOException {
            super(file, completion);
            this.ring = ring;
            this.start = start;
            this.count = count;
            if (!NoWaitCalls.available()) {
                throw new UnsupportedOperationException("splicing to a socket needs a descriptor of its own for it, "
                        + "which takes the foreign calls: " + NoWaitCalls.unavailabilityCause());
            }
            int own = NoWaitCalls.duplicate(socket);
            if (own < 0) {
                throw new IOException("cannot duplicate the socket's descriptor: " + Errno.message(-own));
            }
            try {
                this.pipe = io.netty.channel.unix.FileDescriptor.pipe();
            } catch (IOException | RuntimeException e) {
                NoWaitCalls.close(own);
                throw e;
            }
            this.socket = own;
            if (count > PIPE_CAPACITY) {
                growPipe();
            }
            if (count == 0) {
                stage = WRITABLE; // nothing to send: a poll that completes at once, then the report
                sqe(Linux.IORING_OP_POLL_ADD, socket, 0, 0, 0, Linux.POLLOUT);
            } else {
                toPipe();
            }
        }

        private void growPipe() {
            long growth = LARGE_PIPE - PIPE_CAPACITY;
            if (!NoWaitCalls.available()) {
                return;
            }
            if (GROWN.addAndGet(growth) > GROWTH_BUDGET) {
                GROWN.addAndGet(-growth);
                return;
            }
            int res = NoWaitCalls.setPipeCapacity(pipe[1].intValue(), LARGE_PIPE);
            if (res > PIPE_CAPACITY) {
                capacity = res;
                grownBy = growth;
            } else { // refused (the user's pipe pages are short): the default pipe does
                GROWN.addAndGet(-growth);
            }
        }

        private void toPipe() {
            stage = TO_PIPE;
            int length = (int) Math.min(capacity, count - sent);
            sqe(Linux.IORING_OP_SPLICE, pipe[1].intValue(), -1L, start + sent, length, 0);
            union5 = file.fd;
        }

        private void toSocket() {
            stage = TO_SOCKET;
            sqe(Linux.IORING_OP_SPLICE, socket, -1L, -1L, inPipe, 0);
            union5 = pipe[0].intValue();
        }

        private void whenWritable() {
            stage = WRITABLE;
            sqe(Linux.IORING_OP_POLL_ADD, socket, 0, 0, 0, Linux.POLLOUT);
        }

        @Override
        void complete(int res) {
            if (stage == TO_PIPE) {
                if (res < 0) {
                    end(Errno.exception(-res, file.name()));
                } else if (res == 0) { // the file ends before the range does
                    end(null);
                } else {
                    inPipe = res;
                    toSocket();
                    ring.submitOnLoop(this);
                }
            } else if (stage == TO_SOCKET) {
                if (res == -Errno.EAGAIN) {
                    whenWritable();
                    ring.submitOnLoop(this);
                } else if (res < 0) {
                    end(new IOException(Errno.message(-res))); // the peer went away, say: not the file's error
                } else {
                    sent += res;
                    inPipe -= res;
                    if (inPipe > 0) {
                        toSocket();
                    } else if (sent < count) {
                        toPipe();
                    } else {
                        end(null);
                        return;
                    }
                    ring.submitOnLoop(this);
                }
            } else if (count == 0) {
                end(null);
            } else {
                toSocket(); // writable again (or an error the splice will report)
                ring.submitOnLoop(this);
            }
        }

        /** The send is over: with {@code error}, or having sent {@link #sent} bytes. */
        private void end(IOException error) {
            releaseMemory();
            if (error != null) {
                file.done();
                completion.failed(error);
            } else {
                report(sent);
            }
        }

        /**
         * The channel's owner closed its descriptor: the socket lives on only through this op's, so shut it down.
         * A poll or splice in flight on it then ends (a splice fails with EPIPE) and the send fails. Any thread.
         */
        void socketClosed() {
            synchronized (this) { // not while the descriptor is being closed: its number may be reused at once
                if (socket >= 0) {
                    NoWaitCalls.shutdown(socket);
                }
            }
        }

        @Override
        void releaseMemory() {
            for (io.netty.channel.unix.FileDescriptor end : pipe) {
                try {
                    end.close();
                } catch (IOException ignored) {
                    // a pipe of our own: nothing else can be done
                }
            }
            synchronized (this) {
                if (socket >= 0) { // once: a second close could close another file's descriptor
                    NoWaitCalls.close(socket);
                    socket = -1;
                }
            }
            GROWN.addAndGet(-grownBy);
            grownBy = 0;
        }
    }

    /** By how many bytes the pipes of running sends are grown beyond the default now (tests). Any thread. */
    static long pipeGrowthBytes() {
        return SendToSocket.GROWN.get();
    }

    /** Asks the kernel to cancel every request on the descriptor (Linux 6.0+; harmless where unsupported). */
    private static final class CancelAll extends RingOp {
        CancelAll(UringFile file) {
            super(file);
            urgent = true; // part of a close
            sqe(Linux.IORING_OP_ASYNC_CANCEL, file.fd, 0, 0, 0,
                    Linux.IORING_ASYNC_CANCEL_ALL | Linux.IORING_ASYNC_CANCEL_FD);
        }

        @Override
        void complete(int res) {
            file.done(); // admitted together with the close request
        }

        @Override
        void reject(Throwable error) {
            file.done();
        }

        @Override
        void abandon(Throwable error) {
        }

        @Override
        void reap(int res) {
            file.done();
        }
    }

    /** CLOSE, submitted once nothing of the file is in flight. */
    private static final class CloseFd extends RingOp {
        CloseFd(UringFile file) {
            super(file);
            urgent = true;
            sqe(Linux.IORING_OP_CLOSE, file.fd, 0, 0, 0, 0);
        }

        private boolean claimed;

        @Override
        boolean beforeSubmit() {
            claimed = file.claimClose(); // else closed directly already, after the rings stopped
            return claimed;
        }

        @Override
        void complete(int res) {
            file.closed(res);
        }

        @Override
        void reject(Throwable error) {
            if (claimed) { // claimed, then refused by a stopping ring: this op owns the close
                UringBackend.closeQuietly(file.fd);
                file.closed(0);
            } else {
                file.closeAfterStop(); // the home ring has stopped: close it here
            }
        }

        @Override
        void abandon(Throwable error) {
            // the kernel closes it or has; reap() reports it
        }

        @Override
        void lost() {
            file.closed(0); // submitted before the ring was destroyed: the kernel ran it (CLOSE does not wait)
        }

        @Override
        void reap(int res) {
            file.closed(res);
        }
    }

    /** Passes through one ring ahead of a close request; the last one to pass sends the request home. */
    private static final class CloseMarker extends RingOp {
        private final AtomicInteger toPass;
        private final CloseRequest request;

        CloseMarker(UringFile file, AtomicInteger toPass, CloseRequest request) {
            super(file);
            this.toPass = toPass;
            this.request = request;
        }

        @Override
        boolean beforeSubmit() {
            passed();
            return false;
        }

        private void passed() {
            if (toPass.decrementAndGet() == 0) {
                file.ring.submit(request);
            }
        }

        @Override
        void complete(int res) {
            throw new IllegalStateException("never submitted");
        }

        @Override
        void reject(Throwable error) {
            passed(); // a stopped ring: the home ring (stopped too, or not) answers the request
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
            file.requestClose(completion, true);
            return false;
        }

        @Override
        void complete(int res) {
            throw new IllegalStateException("never submitted");
        }

        @Override
        void reject(Throwable error) {
            file.requestClose(completion, false); // the home ring has stopped: closed directly once nothing is in flight
        }

        @Override
        void abandon(Throwable error) {
        }
    }
}
