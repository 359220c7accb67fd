package io.ringfile.internal.channels;

import io.ringfile.internal.AsyncFileImpl;
import io.ringfile.internal.VirtualThreads;
import io.ringfile.internal.backend.BackendFile;
import io.ringfile.internal.backend.OpenSpec;
import io.ringfile.internal.uring.RingThreads;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.ref.Cleaner;
import java.nio.ByteBuffer;
import java.nio.MappedByteBuffer;
import java.nio.channels.AsynchronousCloseException;
import java.nio.channels.Channel;
import java.nio.channels.ClosedByInterruptException;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.NonReadableChannelException;
import java.nio.channels.NonWritableChannelException;
import java.nio.channels.ReadableByteChannel;
import java.nio.channels.WritableByteChannel;
import java.nio.file.FileSystemException;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.ReentrantLock;

/**
 * A {@link FileChannel} whose reads, writes, size, truncate and force go through a Ringfile engine: the calling
 * thread submits the operation and waits for its future. A virtual thread parks while it waits (no monitor is held,
 * so its carrier is free); a platform thread blocks.
 *
 * <p>Interruption and asynchronous close are {@code FileChannel}'s ({@link #begin()}/{@link #end(boolean)}): an
 * interrupt of a thread waiting in an operation closes the channel and that thread gets
 * {@link ClosedByInterruptException} with its interrupt status set; other threads waiting in operations, and those
 * waiting when another thread closes the channel, get {@link AsynchronousCloseException}. Closing asks the engine to
 * stop what the kernel can stop (a read of a pipe, say); a read or write of a regular file runs to its end. Either
 * way a method returns only once the engine has finished with the caller's buffer, which the caller may reuse the
 * moment it returns: an interrupt or a close ends the wait for the result, never the wait for the kernel.
 *
 * <p>The file position is the channel's own (each transfer is positional), so reads and writes at explicit
 * positions never wait for each other, while those at the position, and scattering and gathering ones, run one at a
 * time. With APPEND, writes go to the end of the file in the kernel (O_APPEND) and {@link #position()} is the size.
 * A pipe, FIFO or socket is read and written in order at its own position. Scattering reads and gathering writes
 * copy through one heap buffer of at most 1 MiB per transfer, so up to that much is read or written in one step.
 *
 * <p>{@link #lock}, {@link #tryLock} and {@link #map} are the JDK's: they go to a JDK {@code FileChannel} on the
 * same open file, opened at the first such call and kept until this channel closes (see {@link PlatformChannel}).
 * {@link #transferTo} and {@link #transferFrom} copy through a direct buffer, reading and writing through the
 * engine on this channel's side.
 */
public final class RingfileFileChannel extends FileChannel {
    /** Position argument: at the file's own position (a pipe), or its end with APPEND. */
    private static final long IN_ORDER = BackendFile.CURRENT_POSITION;
    /** Largest transfer of a scattering read or gathering write: the heap-buffer cap of a single operation. */
    private static final int GATHER_LIMIT = BackendFile.HEAP_TRANSFER_LIMIT;
    /** Buffer size of transferTo and transferFrom. */
    private static final int TRANSFER_SIZE = 256 * 1024;
    /** The running JDK: transferFrom and transferTo changed their rules in 21 and 23. */
    private static final int JDK = Runtime.version().feature();

    private final AsyncFileImpl file;
    private final boolean readable;
    private final boolean writable;
    private final boolean append;
    private final boolean seekable;
    private final boolean interruptible;
    private final PlatformChannel platform;
    /** Whether a platform thread reads with the system call on its own thread (see {@link #readAt}). */
    private final boolean readsOnCaller;
    /** Whether a platform thread writes with the system call on its own thread (see {@link #writeAt}). */
    private final boolean writesOnCaller;
    /** Set once the JDK channel for the caller's system calls could not be opened: the engine from then on. */
    private volatile boolean noCallerChannel;
    private final Cleaner.Cleanable cleanable;
    private final CloseUnreachable closer;
    /** Orders operations at the position, as the JDK's position lock does. */
    private final ReentrantLock positionLock = new ReentrantLock();
    private long position; // guarded by positionLock
    /** Threads inside an operation; a close waits for the descriptor only when there are none. */
    private final AtomicInteger busy = new AtomicInteger();

    /**
     * A channel over {@code file}, which it owns and closes.
     *
     * @param file the open file
     * @param spec what it was opened with
     * @param interruptible false for the channel of an input or output stream, which (as the JDK's) an interrupt
     *     neither closes nor stops
     */
    public RingfileFileChannel(AsyncFileImpl file, OpenSpec spec, boolean interruptible) {
        this.file = file;
        this.readable = file.readable();
        this.writable = file.writable();
        this.append = spec.append();
        this.seekable = file.seekable();
        this.interruptible = interruptible;
        this.platform = new PlatformChannel(file);
        // The JDK channel the caller would use is interruptible (so not for a stream's channel) and, on io_uring, a
        // second descriptor opened with the access mode only: no O_DIRECT (a direct read may still wait on the
        // device, and has its own alignment rules), no O_SYNC or O_DSYNC, no O_APPEND.
        this.readsOnCaller = interruptible && seekable && !spec.direct();
        this.writesOnCaller = readsOnCaller && !append && !spec.sync() && !spec.dsync();
        this.closer = new CloseUnreachable(file, platform);
        this.cleanable = PlatformChannel.CLEANER.register(this, closer);
    }

    /**
     * Closes the file of a channel that was dropped without being closed, as the JDK's channels are; run by
     * {@link #implCloseChannel} too, which then closes the file itself ({@code explicit}).
     */
    private static final class CloseUnreachable implements Runnable {
        private final AsyncFileImpl file;
        private final PlatformChannel platform;
        volatile boolean explicit;

        CloseUnreachable(AsyncFileImpl file, PlatformChannel platform) {
            this.file = file;
            this.platform = platform;
        }

        @Override
        public void run() {
            try {
                platform.close();
            } catch (IOException ignored) {
                // nobody is left to tell
            }
            if (!explicit) {
                file.closeAsync();
            }
        }
    }

    // ---------------------------------------------------------------- waiting

    /** Marks the start of a blocking operation (see the class description). */
    private void beginIo() {
        busy.incrementAndGet();
        if (interruptible) {
            begin();
        }
    }

    /** Marks its end; throws as {@link #end(boolean)} does for an interrupt or an asynchronous close. */
    private void endIo(boolean completed) throws AsynchronousCloseException {
        busy.decrementAndGet();
        if (interruptible) {
            end(completed);
        }
    }

    /**
     * Waits for an engine future without giving up on interrupts (the engine owns the caller's buffer until it
     * completes) and returns its value, or throws its exception. Refused on an io_uring thread even when the future
     * happens to be done already (an operation that ran on another loop of a shared group, say), so that the
     * refusal does not depend on timing.
     */
    private static <T> T await(CompletableFuture<T> future) throws IOException {
        RingThreads.checkMayBlock("A blocking FileChannel call");
        try {
            return future.join();
        } catch (CompletionException e) {
            throw ioException(e.getCause());
        }
    }

    /** {@code error} as the exception to throw: an IOException as it is, unchecked ones rethrown. */
    static IOException ioException(Throwable error) {
        if (error instanceof IOException) {
            return (IOException) error;
        }
        if (error instanceof UncheckedIOException) {
            return ((UncheckedIOException) error).getCause();
        }
        if (error instanceof RuntimeException) {
            throw (RuntimeException) error;
        }
        if (error instanceof Error) {
            throw (Error) error;
        }
        return new IOException(error);
    }

    private void ensureOpen() throws ClosedChannelException {
        if (!isOpen()) {
            throw new ClosedChannelException();
        }
    }

    // ---------------------------------------------------------------- the transfers (one place each)

    /**
     * Every read of this channel happens here: one read into {@code dst} at {@code position} (or
     * {@link #IN_ORDER}), possibly short; -1 at end of file; 0 at once for a full buffer. Called inside
     * {@link #beginIo()}/{@link #endIo}.
     *
     * <p>A platform thread reading a regular file at a position makes the system call itself, through the JDK
     * channel on the same file ({@link PlatformChannel}): it would block either way, and a hand-off to a ring and
     * back costs more than a read from the page cache. A virtual thread, and an io_uring thread (which is refused a
     * wait), go to the engine. Before either, a read that cannot wait is tried on the calling thread where the
     * engine has one (io_uring on JDK 22+, see {@code NoWaitCalls}): a cache hit then costs one system call.
     */
    private int readAt(ByteBuffer dst, long position) throws IOException {
        if (!dst.hasRemaining()) {
            return 0;
        }
        if (position != IN_ORDER && !RingThreads.isCurrent()) { // a ring thread is refused, hit or miss
            int n = file.readIfCached(dst, position);
            if (n != BackendFile.NOT_CACHED) {
                return n;
            }
        }
        if (readsOnCaller && position != IN_ORDER) {
            FileChannel jdk = callerChannel();
            if (jdk != null) {
                int n;
                long started = file.callHereStarts();
                try {
                    n = jdk.read(dst, position);
                } catch (IOException e) {
                    file.calledHere(true, started, position, -1, e);
                    throw callerCallFailed(e);
                }
                file.calledHere(true, started, position, n, null);
                rearm();
                return n;
            }
        }
        return await(position == IN_ORDER ? file.readInOrder(dst, false) : file.read(dst, position));
    }

    /**
     * Every write of this channel happens here: one write of {@code src} at {@code position} (or
     * {@link #IN_ORDER}), possibly short. A platform thread makes the system call itself where {@link #readAt}
     * says, unless the channel was opened with APPEND, SYNC, DSYNC or DIRECT.
     */
    private int writeAt(ByteBuffer src, long position) throws IOException {
        if (writesOnCaller && position != IN_ORDER) {
            FileChannel jdk = callerChannel();
            if (jdk != null) {
                int n;
                long started = file.callHereStarts();
                try {
                    n = jdk.write(src, position);
                } catch (IOException e) {
                    file.calledHere(false, started, position, -1, e);
                    throw callerCallFailed(e);
                }
                file.calledHere(false, started, position, n, null);
                rearm();
                return n;
            }
        }
        return await(position == IN_ORDER ? file.writeInOrder(src, false) : file.write(src, position));
    }

    /**
     * The JDK channel for a system call on the calling thread, or null when this thread goes to the engine: a
     * virtual thread, an io_uring thread, any thread once the JDK channel could not be opened (another file
     * system, no /proc), and any thread once the engine closed the file (its engine closed: the engine reports
     * that, as it does for virtual threads).
     */
    private FileChannel callerChannel() throws IOException {
        if (noCallerChannel || VirtualThreads.isVirtual(Thread.currentThread()) || RingThreads.isCurrent()
                || !file.isOpen()) {
            return null;
        }
        try {
            return platform.forCaller();
        } catch (ClosedChannelException e) {
            throw e; // this channel was closed: endIo reports how
        } catch (IOException | UnsupportedOperationException e) {
            noCallerChannel = true;
            return null;
        }
    }

    /** A platform thread that is not a ring's: it may make a blocking system call itself. */
    private static boolean onPlatformThread() {
        return !VirtualThreads.isVirtual(Thread.currentThread()) && !RingThreads.isCurrent();
    }

    /**
     * After a call of the JDK channel, whose {@code end()} cleared the thread's interrupt hook: sets this channel's
     * again, so that an interrupt that came meanwhile closes this channel and {@link #endIo} reports it.
     */
    private void rearm() {
        if (interruptible) {
            begin();
        }
    }

    /**
     * What to throw for a failed call of the JDK channel. It is closed by this channel's close, or by an interrupt
     * of a thread inside it: {@link #rearm()} then closes this channel as by that thread's interrupt, on that
     * thread, so that it gets {@code ClosedByInterruptException} from {@link #endIo} and the other threads
     * {@code AsynchronousCloseException} (they must not close this channel first, or the interrupted thread would
     * be told of an asynchronous close). An I/O error names the file, as the engine's do.
     */
    private IOException callerCallFailed(IOException e) {
        rearm();
        if (e instanceof ClosedChannelException) {
            return e;
        }
        return new FileSystemException(file.path().toString(), null, e.getMessage());
    }

    /**
     * Writes all of {@code src}, as a blocking {@code FileChannel} write does (a heap buffer larger than the engine's
     * per-operation cap takes several writes). An error after some bytes were written ends the loop with what was
     * written; the next write meets the error again.
     */
    private int writeFully(ByteBuffer src, long position) throws IOException {
        int total = 0;
        while (src.hasRemaining()) {
            int n;
            try {
                n = writeAt(src, position == IN_ORDER ? IN_ORDER : position + total);
            } catch (IOException e) {
                if (total > 0) {
                    break;
                }
                throw e;
            }
            if (n <= 0) {
                break;
            }
            total += n;
        }
        return total;
    }

    // ---------------------------------------------------------------- reads and writes at the position

    @Override
    public int read(ByteBuffer dst) throws IOException {
        ensureOpen();
        if (!readable) {
            throw new NonReadableChannelException();
        }
        positionLock.lock();
        try {
            int n = 0;
            beginIo();
            try {
                if (!isOpen()) {
                    return 0;
                }
                checkWritableBuffer(dst);
                if (!seekable) {
                    n = readAt(dst, IN_ORDER);
                } else {
                    n = readAt(dst, position);
                    if (n > 0) {
                        position += n;
                    }
                }
                return n;
            } finally {
                endIo(n > 0);
            }
        } finally {
            positionLock.unlock();
        }
    }

    @Override
    public long read(ByteBuffer[] dsts, int offset, int length) throws IOException {
        Objects.checkFromIndexSize(offset, length, dsts.length);
        ensureOpen();
        if (!readable) {
            throw new NonReadableChannelException();
        }
        positionLock.lock();
        try {
            long n = 0;
            beginIo();
            try {
                if (!isOpen()) {
                    return 0;
                }
                long room = 0;
                ByteBuffer only = null;
                int withRoom = 0;
                for (int i = offset; i < offset + length; i++) {
                    ByteBuffer dst = dsts[i];
                    checkWritableBuffer(dst);
                    if (dst.hasRemaining()) {
                        room += dst.remaining();
                        only = dst;
                        withRoom++;
                    }
                }
                if (withRoom == 0) {
                    return 0;
                }
                long at = seekable ? position : IN_ORDER;
                if (withRoom == 1) {
                    n = readAt(only, at);
                } else {
                    ByteBuffer gathered = ByteBuffer.allocate((int) Math.min(room, GATHER_LIMIT));
                    n = readAt(gathered, at);
                    gathered.flip();
                    for (int i = offset; i < offset + length && gathered.hasRemaining(); i++) {
                        ByteBuffer dst = dsts[i];
                        int take = Math.min(dst.remaining(), gathered.remaining());
                        dst.put(gathered.slice().limit(take));
                        gathered.position(gathered.position() + take);
                    }
                }
                if (n > 0 && seekable) {
                    position += n;
                }
                return n;
            } finally {
                endIo(n > 0);
            }
        } finally {
            positionLock.unlock();
        }
    }

    @Override
    public int write(ByteBuffer src) throws IOException {
        ensureOpen();
        if (!writable) {
            throw new NonWritableChannelException();
        }
        positionLock.lock();
        try {
            int n = 0;
            beginIo();
            try {
                if (!isOpen()) {
                    return 0;
                }
                Objects.requireNonNull(src);
                if (append || !seekable) {
                    n = writeFully(src, IN_ORDER);
                } else {
                    n = writeFully(src, position);
                    position += n;
                }
                return n;
            } finally {
                endIo(n > 0);
            }
        } finally {
            positionLock.unlock();
        }
    }

    @Override
    public long write(ByteBuffer[] srcs, int offset, int length) throws IOException {
        Objects.checkFromIndexSize(offset, length, srcs.length);
        ensureOpen();
        if (!writable) {
            throw new NonWritableChannelException();
        }
        positionLock.lock();
        try {
            long total = 0;
            beginIo();
            try {
                if (!isOpen()) {
                    return 0;
                }
                for (int i = offset; i < offset + length; i++) {
                    Objects.requireNonNull(srcs[i]);
                }
                boolean inOrder = append || !seekable;
                for (;;) {
                    long left = 0;
                    int withBytes = 0;
                    ByteBuffer only = null;
                    for (int i = offset; i < offset + length; i++) {
                        if (srcs[i].hasRemaining()) {
                            left += srcs[i].remaining();
                            only = srcs[i];
                            withBytes++;
                        }
                    }
                    if (withBytes == 0) {
                        return total;
                    }
                    long at = inOrder ? IN_ORDER : position;
                    int written;
                    if (withBytes == 1) {
                        written = writeFullyOrPartly(only, at, total);
                        total += written;
                        if (!inOrder) {
                            position += written;
                        }
                        return total;
                    }
                    // One write per chunk, so that a chunk is appended whole (O_APPEND) as a gathering write is.
                    int chunk = (int) Math.min(left, GATHER_LIMIT);
                    ByteBuffer gathered = ByteBuffer.allocate(chunk);
                    for (int i = offset; i < offset + length && gathered.hasRemaining(); i++) {
                        ByteBuffer src = srcs[i];
                        int take = Math.min(src.remaining(), gathered.remaining());
                        gathered.put(src.duplicate().limit(src.position() + take));
                    }
                    gathered.flip();
                    written = writeFullyOrPartly(gathered, at, total);
                    int consumed = written;
                    for (int i = offset; i < offset + length && consumed > 0; i++) {
                        ByteBuffer src = srcs[i];
                        int step = Math.min(src.remaining(), consumed);
                        src.position(src.position() + step);
                        consumed -= step;
                    }
                    total += written;
                    if (!inOrder) {
                        position += written;
                    }
                    if (written < chunk) {
                        return total;
                    }
                }
            } finally {
                endIo(total > 0);
            }
        } finally {
            positionLock.unlock();
        }
    }

    /** writeFully, except that an error when {@code before} bytes were already written ends with 0 written. */
    private int writeFullyOrPartly(ByteBuffer src, long at, long before) throws IOException {
        try {
            return writeFully(src, at);
        } catch (IOException e) {
            if (before > 0) {
                return 0;
            }
            throw e;
        }
    }

    private static void checkWritableBuffer(ByteBuffer dst) {
        if (dst.isReadOnly()) { // a null dst throws NullPointerException here, as in the JDK
            throw new IllegalArgumentException("Read-only buffer");
        }
    }

    // ---------------------------------------------------------------- position, size, truncate, force

    @Override
    public long position() throws IOException {
        ensureOpen();
        positionLock.lock();
        try {
            long p = -1;
            beginIo();
            try {
                if (!isOpen()) {
                    return 0;
                }
                if (append) {
                    p = await(file.size());
                } else if (!seekable) {
                    throw illegalSeek();
                } else {
                    p = position;
                }
                return p;
            } finally {
                endIo(p > -1);
            }
        } finally {
            positionLock.unlock();
        }
    }

    @Override
    public FileChannel position(long newPosition) throws IOException {
        ensureOpen();
        if (newPosition < 0) {
            throw new IllegalArgumentException();
        }
        positionLock.lock();
        try {
            long p = -1;
            beginIo();
            try {
                if (!isOpen()) {
                    return null;
                }
                if (!seekable) {
                    throw illegalSeek();
                }
                position = newPosition;
                p = newPosition;
                return this;
            } finally {
                endIo(p > -1);
            }
        } finally {
            positionLock.unlock();
        }
    }

    private IOException illegalSeek() {
        return new IOException("Illegal seek"); // what lseek(2) on a pipe reports through the JDK
    }

    @Override
    public long size() throws IOException {
        ensureOpen();
        long s = -1;
        beginIo();
        try {
            if (!isOpen()) {
                return -1;
            }
            s = onPlatformThread() ? file.sizeOnCallerThread() : -1; // it would block here either way
            if (s < 0) {
                s = await(file.size());
            }
            return s;
        } finally {
            endIo(s > -1);
        }
    }

    @Override
    public FileChannel truncate(long size) throws IOException {
        ensureOpen();
        if (size < 0) {
            throw new IllegalArgumentException("Negative size");
        }
        if (!writable) {
            throw new NonWritableChannelException();
        }
        positionLock.lock();
        try {
            boolean done = false;
            beginIo();
            try {
                if (!isOpen()) {
                    return null;
                }
                if (!seekable) {
                    throw illegalSeek();
                }
                await(file.truncate(size)); // shrinks only; a file already that small is left as it is
                done = true;
                if (position > size) {
                    position = size;
                }
                return this;
            } finally {
                endIo(done);
            }
        } finally {
            positionLock.unlock();
        }
    }

    @Override
    public void force(boolean metaData) throws IOException {
        ensureOpen();
        boolean done = false;
        beginIo();
        try {
            if (!isOpen()) {
                return;
            }
            await(file.force(metaData));
            done = true;
        } finally {
            endIo(done);
        }
    }

    // ---------------------------------------------------------------- positional reads and writes

    @Override
    public int read(ByteBuffer dst, long position) throws IOException {
        Objects.requireNonNull(dst);
        if (position < 0) {
            throw new IllegalArgumentException("Negative position");
        }
        ensureOpen();
        if (!readable) {
            throw new NonReadableChannelException();
        }
        int n = 0;
        beginIo();
        try {
            if (!isOpen()) {
                return -1;
            }
            checkWritableBuffer(dst);
            n = readAt(dst, position);
            return n;
        } finally {
            endIo(n > 0);
        }
    }

    @Override
    public int write(ByteBuffer src, long position) throws IOException {
        Objects.requireNonNull(src);
        if (position < 0) {
            throw new IllegalArgumentException("Negative position");
        }
        ensureOpen();
        if (!writable) {
            throw new NonWritableChannelException();
        }
        int n = 0;
        beginIo();
        try {
            if (!isOpen()) {
                return -1;
            }
            n = writeFully(src, position);
            return n;
        } finally {
            endIo(n > 0);
        }
    }

    // ---------------------------------------------------------------- transfers

    @Override
    public long transferTo(long position, long count, WritableByteChannel target) throws IOException {
        ensureOpen();
        if (!target.isOpen()) {
            throw new ClosedChannelException();
        }
        if (!readable) {
            throw new NonReadableChannelException();
        }
        if (target instanceof RingfileFileChannel && !((RingfileFileChannel) target).writable) {
            throw new NonWritableChannelException();
        }
        if (position < 0 || count < 0) {
            throw new IllegalArgumentException();
        }
        try {
            long size = size();
            if (position > size) {
                return 0;
            }
            // JDK 23 stopped limiting the count by the size of an empty file (a pipe's size is 0).
            if (JDK < 23 || size > 0) {
                long remaining = size - position;
                if (remaining >= 0 && remaining < count) {
                    count = remaining;
                }
            }
            return copyTo(position, count, target);
        } catch (ClosedChannelException e) {
            throw transferFailed(e, target);
        }
    }

    private long copyTo(long position, long count, WritableByteChannel target) throws IOException {
        if (count == 0) {
            return 0;
        }
        ByteBuffer buffer = ByteBuffer.allocateDirect((int) Math.min(count, TRANSFER_SIZE));
        long total = 0;
        long at = position;
        try {
            while (total < count) {
                buffer.limit((int) Math.min(count - total, buffer.capacity()));
                int read = read(buffer, at);
                if (read <= 0) {
                    break;
                }
                buffer.flip();
                int written = target.write(buffer);
                total += written;
                if (written != read) {
                    break;
                }
                at += written;
                buffer.clear();
            }
            return total;
        } catch (IOException e) {
            if (total > 0) {
                return total;
            }
            throw e;
        }
    }

    @Override
    public long transferFrom(ReadableByteChannel src, long position, long count) throws IOException {
        ensureOpen();
        if (!src.isOpen()) {
            throw new ClosedChannelException();
        }
        if (src instanceof RingfileFileChannel && !((RingfileFileChannel) src).readable) {
            throw new NonReadableChannelException();
        }
        if (!writable) {
            throw new NonWritableChannelException();
        }
        if (position < 0 || count < 0) {
            throw new IllegalArgumentException();
        }
        try {
            // Before JDK 21 a position past the end transferred nothing; since, the file grows.
            if (JDK < 21 && position > size()) {
                return 0;
            }
            return copyFrom(src, position, count);
        } catch (ClosedChannelException e) {
            throw transferFailed(e, src);
        }
    }

    private long copyFrom(ReadableByteChannel src, long position, long count) throws IOException {
        if (count == 0) {
            return 0;
        }
        ByteBuffer buffer = ByteBuffer.allocateDirect((int) Math.min(count, TRANSFER_SIZE));
        long total = 0;
        long at = position;
        try {
            while (total < count) {
                buffer.limit((int) Math.min(count - total, buffer.capacity()));
                int read = src.read(buffer);
                if (read <= 0) {
                    break;
                }
                buffer.flip();
                int written = write(buffer, at);
                total += written;
                if (written != read) {
                    break;
                }
                at += written;
                buffer.clear();
            }
            return total;
        } catch (IOException e) {
            if (total > 0) {
                return total;
            }
            throw e;
        }
    }

    /**
     * A transfer ended by a closed channel: as the JDK reports it, ClosedByInterruptException (closing both
     * channels) when this thread was interrupted, else AsynchronousCloseException.
     */
    private AsynchronousCloseException transferFailed(ClosedChannelException e, Channel other) {
        ClosedByInterruptException interrupted = null;
        if (e instanceof ClosedByInterruptException) {
            interrupted = (ClosedByInterruptException) e;
        } else if (interruptible && Thread.currentThread().isInterrupted()) {
            interrupted = new ClosedByInterruptException();
        }
        if (interrupted != null) {
            for (Channel channel : new Channel[] {this, other}) {
                try {
                    channel.close();
                } catch (IOException closeError) {
                    interrupted.addSuppressed(closeError);
                }
            }
            return interrupted;
        }
        if (e instanceof AsynchronousCloseException) {
            return (AsynchronousCloseException) e;
        }
        AsynchronousCloseException closed = new AsynchronousCloseException();
        closed.addSuppressed(e);
        return closed;
    }

    // ---------------------------------------------------------------- the JDK's: locks and mapping

    @Override
    public MappedByteBuffer map(MapMode mode, long position, long size) throws IOException {
        if (size > Integer.MAX_VALUE) {
            throw new IllegalArgumentException("Size exceeds Integer.MAX_VALUE");
        }
        Objects.requireNonNull(mode, "Mode is null");
        ensureOpen();
        return platform().map(mode, position, size);
    }

    @Override
    public FileLock lock(long position, long size, boolean shared) throws IOException {
        ensureOpen();
        checkLockMode(shared);
        try {
            return new PlatformChannel.Lock(this, platform().lock(position, size, shared));
        } catch (ClosedByInterruptException e) {
            close(); // the interrupt closed the delegate; as for any blocking operation, it closes this channel
            throw e;
        }
    }

    @Override
    public FileLock tryLock(long position, long size, boolean shared) throws IOException {
        ensureOpen();
        checkLockMode(shared);
        try {
            FileLock lock = platform().tryLock(position, size, shared);
            return lock == null ? null : new PlatformChannel.Lock(this, lock);
        } catch (ClosedByInterruptException e) {
            close();
            throw e;
        }
    }

    private void checkLockMode(boolean shared) {
        if (shared && !readable) {
            throw new NonReadableChannelException();
        }
        if (!shared && !writable) {
            throw new NonWritableChannelException();
        }
    }

    /** The delegate; a channel closed meanwhile reports ClosedChannelException, as if closed before the call. */
    private FileChannel platform() throws IOException {
        FileChannel channel = platform.get();
        if (!isOpen()) {
            throw new AsynchronousCloseException();
        }
        return channel;
    }

    // ---------------------------------------------------------------- close

    /**
     * Closes the delegate (releasing its locks) and the engine's file. Threads waiting in operations are woken by
     * their operations' ends (the engine stops what the kernel can stop). The descriptor is closed once every
     * operation in flight has finished; when none is, this waits for that, so that {@code close()} returns with the
     * descriptor closed, as the JDK's does.
     */
    @Override
    protected void implCloseChannel() throws IOException {
        closer.explicit = true;
        cleanable.clean(); // runs CloseUnreachable once: the delegate; the file is closed here
        if (busy.get() == 0 && !RingThreads.isCurrent()) {
            await(file.closeForBlockingCaller(onPlatformThread()));
        } else {
            file.closeAsync(); // a thread is inside an operation: it sees the close; nobody waits here
        }
    }

    @Override
    public String toString() {
        return "RingfileFileChannel[" + file.path() + (isOpen() ? "" : ", closed") + "]";
    }
}
