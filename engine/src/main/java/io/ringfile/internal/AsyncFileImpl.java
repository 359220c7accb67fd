package io.ringfile.internal;

import io.netty.buffer.ByteBuf;
import io.ringfile.AsyncFile;
import io.ringfile.internal.backend.BackendFile;
import io.ringfile.internal.backend.OpenSpec;
import io.ringfile.internal.text.FileSubscriber;
import io.ringfile.internal.text.Text;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.NonReadableChannelException;
import java.nio.channels.NonWritableChannelException;
import java.nio.channels.ReadPendingException;
import java.nio.channels.WritePendingException;
import java.nio.file.FileSystemException;
import java.nio.file.Path;
import java.util.Objects;
import java.util.OptionalInt;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.Executor;
import java.util.concurrent.Flow;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;

/** {@link AsyncFile} over one backend file: validates, tracks open/closed, and hands each call to the backend. */
public final class AsyncFileImpl implements AsyncFile {
    private final EngineImpl engine;
    private final BackendFile file;
    private final Path path;
    private final boolean readable;
    private final boolean writable;
    /** Positional writes may be made on a caller's thread that may wait (see {@link #writeHere}). */
    private final boolean writesHere;
    private final AtomicReference<CompletableFuture<Void>> closing = new AtomicReference<>();
    private final AtomicBoolean cursorBusy = new AtomicBoolean();
    private volatile long cursor;
    private volatile boolean deleteAfterClose;
    private volatile Throwable forceFailure;

    EngineImpl engine() {
        return engine;
    }

    /** Each operation's deadline on this file, in nanoseconds; 0 for none. Set once, before the file is handed out. */
    private volatile long timeoutNanos;

    void timeoutNanos(long nanos) {
        this.timeoutNanos = nanos;
    }

    /**
     * Gives {@code op}, about to start, this file's deadline: past it the op's future fails with a
     * {@link java.util.concurrent.TimeoutException} and the backend is asked to stop the operation.
     */
    private void watch(Op<?> op, String what) {
        long nanos = timeoutNanos;
        if (nanos > 0) {
            op.deadline(engine.deadlines().watch(op, nanos, what + " of " + name(),
                    () -> file.cancel(op, new java.util.concurrent.TimeoutException("timed out"))));
        }
    }

    AsyncFileImpl(EngineImpl engine, BackendFile file, OpenSpec spec) {
        this.engine = engine;
        this.file = file;
        this.path = spec.path();
        this.readable = spec.read();
        this.writable = spec.write();
        this.writesHere = engine.writesOnCallerThread() && writable && !spec.sync() && !spec.dsync()
                && !spec.direct() && file.writesOnCallerThread();
    }

    @Override
    public Path path() {
        return path;
    }

    @Override
    public boolean isOpen() {
        return closing.get() == null;
    }

    /** True when opened for reading. */
    public boolean readable() {
        return readable;
    }

    /** True when opened for writing (APPEND included). */
    public boolean writable() {
        return writable;
    }

    /**
     * A JDK {@code FileChannel} on this open file with its access, for locks and memory mapping; see
     * {@link BackendFile#platformChannel}. Blocks while it opens; closing it may close this file.
     *
     * @throws java.nio.channels.ClosedChannelException if this file is closed
     */
    public java.nio.channels.FileChannel platformChannel() throws IOException {
        if (!isOpen()) {
            throw new ClosedChannelException();
        }
        return file.platformChannel(readable, writable);
    }

    BackendFile backendFile() {
        return file;
    }

    /** The path as text, for messages: made when first needed (a Path keeps it), not for every open. */
    String name() {
        return path.toString();
    }

    /** Makes {@link #closeAsync()} delete the file once it is closed (a named temporary file). */
    void deleteAfterClose() {
        deleteAfterClose = true;
    }

    // ---- cursor

    @Override
    public long position() {
        return cursor;
    }

    /** Sets the cursor without the pending-operation check (while opening). */
    void initialPosition(long position) {
        cursor = position;
    }

    @Override
    public AsyncFile position(long newPosition) {
        checkPosition(newPosition);
        if (cursorBusy.get()) {
            throw new IllegalStateException("a cursor read or write is pending");
        }
        cursor = newPosition;
        return this;
    }

    @Override
    public CompletableFuture<Integer> read(ByteBuffer dst) {
        checkReadable(); // in FileChannel.read's order: mode, buffer
        Objects.requireNonNull(dst, "dst");
        if (dst.isReadOnly()) {
            throw new IllegalArgumentException("Read-only buffer");
        }
        if (!cursorBusy.compareAndSet(false, true)) {
            throw new ReadPendingException();
        }
        return start(TransferOp.atCursor(engine.completer(), this, true, dst, cursorPosition()));
    }

    @Override
    public CompletableFuture<Integer> write(ByteBuffer src) {
        checkWritable();
        Objects.requireNonNull(src, "src");
        if (!cursorBusy.compareAndSet(false, true)) {
            throw new WritePendingException();
        }
        return start(TransferOp.atCursor(engine.completer(), this, false, src, cursorPosition()));
    }

    /** Where a cursor transfer goes: the cursor, or the file's own position for a pipe, FIFO or socket. */
    private long cursorPosition() {
        return file.seekable() ? cursor : BackendFile.CURRENT_POSITION;
    }

    /** A cursor operation has finished: advance by what it transferred and accept the next one. */
    void cursorDone(long transferred) {
        if (transferred > 0) {
            cursor += transferred;
        }
        cursorBusy.set(false);
    }

    // ---- reads and writes

    @Override
    public CompletableFuture<Integer> read(ByteBuffer dst, long position) {
        return readFromCaller(dst, position, false);
    }

    @Override
    public CompletableFuture<Integer> readFully(ByteBuffer dst, long position) {
        return readFromCaller(dst, position, true);
    }

    /** A caller's positional read: on its own thread where the data is cached, else as every other read. */
    private CompletableFuture<Integer> readFromCaller(ByteBuffer dst, long position, boolean full) {
        checkRead(position, dst);
        int start = dst.position();
        CompletableFuture<Integer> here = readHere(dst, position, full);
        if (here != null) {
            return here;
        }
        int done = dst.position() - start; // read here before a miss: the rest the usual way
        CompletableFuture<Integer> rest = start(TransferOp.of(engine.completer(), this, true, full, dst,
                position + done));
        return done == 0 ? rest : rest.thenApply(n -> done + Math.max(n, 0));
    }

    /**
     * The read of a caller's thread where the backend can make it without waiting ({@link #readIfCached}: a buffered
     * regular file whose data is cached): the future, complete, that the caller gets back as it is (stages attached
     * to it run on the thread that attaches them, as for {@code readAllBytes}). Null where a read would wait, asks
     * for more than {@link EngineImpl#CALLER_READ_LIMIT} (the copy is then the ring thread's, beside the caller), or
     * the engine keeps this call off the caller's thread; with {@code full}, bytes read here before that are left in
     * {@code dst} (its position moved) for the caller to count.
     */
    private CompletableFuture<Integer> readHere(ByteBuffer dst, long position, boolean full) {
        if (!dst.hasRemaining() || dst.remaining() > EngineImpl.CALLER_READ_LIMIT || !isOpen()
                || !CallerStack.mayCompleteHere()) {
            return null;
        }
        int total = 0;
        do {
            int n = readIfCached(dst, position + total);
            if (n == BackendFile.NOT_CACHED) {
                return null;
            }
            if (n < 0) {
                return EngineFuture.completedHere(TransferOp.boxed(total > 0 ? total : -1));
            }
            total += n;
        } while (full && dst.hasRemaining());
        return EngineFuture.completedHere(TransferOp.boxed(total));
    }

    @Override
    public CompletableFuture<Integer> read(ByteBuf dst, long position) {
        return read(dst, position, false);
    }

    @Override
    public CompletableFuture<Integer> readFully(ByteBuf dst, long position) {
        return read(dst, position, true);
    }

    @Override
    public CompletableFuture<Integer> write(ByteBuffer src, long position) {
        return writeFromCaller(src, position, false);
    }

    @Override
    public CompletableFuture<Integer> writeFully(ByteBuffer src, long position) {
        return writeFromCaller(src, position, true);
    }

    /** A caller's positional write: on its own thread where {@link #writeHere} may, else as every other write. */
    private CompletableFuture<Integer> writeFromCaller(ByteBuffer src, long position, boolean full) {
        checkPosition(position);
        checkWritable();
        Objects.requireNonNull(src, "src");
        int start = src.position();
        CompletableFuture<Integer> here = writeHere(src, position, full);
        if (here != null) {
            return here;
        }
        int done = src.position() - start; // written here before a refusal: the rest the usual way
        CompletableFuture<Integer> rest = start(TransferOp.of(engine.completer(), this, false, full, src,
                position + done));
        return done == 0 ? rest : rest.thenApply(n -> done + n);
    }

    /**
     * The write of a caller's thread that may wait ({@link CallerThreads#mayWait}), made there with the system call
     * ({@link BackendFile#writeOnCallerThread}) where the engine allows it
     * ({@code FileEngine.Builder.writesOnCallerThread}) and the file was opened without SYNC, DSYNC or DIRECT: the
     * future, complete, that the caller gets back as it is (stages attached to it run on the caller's thread). Null
     * where the backend cannot, for more than {@link EngineImpl#CALLER_WRITE_LIMIT} bytes, or where the engine keeps
     * this call off the caller's thread; with {@code full}, bytes written here before that are consumed from
     * {@code src} (its position moved) for the caller to count.
     */
    private CompletableFuture<Integer> writeHere(ByteBuffer src, long position, boolean full) {
        if (!writesHere || !src.hasRemaining() || src.remaining() > EngineImpl.CALLER_WRITE_LIMIT || !isOpen()
                || !CallerThreads.mayWait() || !CallerStack.mayCompleteHere()) {
            return null;
        }
        Metrics m = engine.recorder();
        long started = System.nanoTime();
        Object event = Jfr.begin(Metrics.WRITE);
        int total = 0;
        do {
            int n = file.writeOnCallerThread(src, position + total);
            if (n == BackendFile.NOT_WRITTEN) {
                break;
            }
            total += n;
        } while (full && src.hasRemaining());
        if (total == 0) {
            return null;
        }
        m.completedHere(Metrics.WRITE, started, total);
        m.event(event, path, position, total, null, null);
        return full && src.hasRemaining() ? null : EngineFuture.completedHere(TransferOp.boxed(total));
    }

    @Override
    public CompletableFuture<Integer> write(ByteBuf src, long position) {
        return write(src, position, false);
    }

    @Override
    public CompletableFuture<Integer> writeFully(ByteBuf src, long position) {
        return write(src, position, true);
    }

    /**
     * A read whose future completes on {@code completer} (null: on the backend thread, for internal steps).
     * Arguments are checked in AsynchronousFileChannel's order: position, open mode, buffer.
     */
    CompletableFuture<Integer> read(ByteBuffer dst, long position, boolean full, Executor completer) {
        checkRead(position, dst);
        return start(TransferOp.of(completer, this, true, full, dst, position));
    }

    CompletableFuture<Integer> write(ByteBuffer src, long position, boolean full, Executor completer) {
        checkPosition(position);
        checkWritable();
        Objects.requireNonNull(src, "src");
        return start(TransferOp.of(completer, this, false, full, src, position));
    }

    private CompletableFuture<Integer> read(ByteBuf dst, long position, boolean full) {
        checkRead(position, dst);
        int done = 0;
        if (dst.nioBufferCount() == 1 && dst.isWritable()) { // on the caller's thread where the data is cached
            ByteBuffer view = dst.nioBuffer(dst.writerIndex(), dst.writableBytes());
            CompletableFuture<Integer> here = readHere(view, position, full);
            done = view.position();
            dst.writerIndex(dst.writerIndex() + done);
            if (here != null) {
                return here;
            }
        }
        int before = done; // read here before a miss: the rest the usual way
        CompletableFuture<Integer> rest = start(TransferOp.of(engine.completer(), this, true, full, dst,
                position + before));
        return before == 0 ? rest : rest.thenApply(n -> before + Math.max(n, 0));
    }

    private CompletableFuture<Integer> write(ByteBuf src, long position, boolean full) {
        checkPosition(position);
        checkWritable();
        Objects.requireNonNull(src, "src");
        int done = 0;
        if (src.nioBufferCount() == 1 && src.isReadable()) { // on the caller's thread where writeHere may
            ByteBuffer view = src.nioBuffer(src.readerIndex(), src.readableBytes());
            CompletableFuture<Integer> here = writeHere(view, position, full);
            done = view.position();
            src.readerIndex(src.readerIndex() + done);
            if (here != null) {
                return here;
            }
        }
        int before = done; // written here before a refusal: the rest the usual way
        CompletableFuture<Integer> rest = start(TransferOp.of(engine.completer(), this, false, full, src,
                position + before));
        return before == 0 ? rest : rest.thenApply(n -> before + n);
    }

    /**
     * False for a pipe, FIFO, socket or a channel that cannot be positioned: it is read and written in order, at its
     * own position, by {@link #readInOrder} and {@link #writeInOrder}; positional calls fail with "Illegal seek".
     */
    public boolean seekable() {
        return file.seekable();
    }

    /**
     * A read on the calling thread that cannot wait ({@link BackendFile#readIfCached}): the bytes read, -1 at end
     * of file, or {@link BackendFile#NOT_CACHED}. For blocking callers that have checked the file is readable.
     */
    public int readIfCached(ByteBuffer dst, long position) {
        Metrics m = engine.recorder();
        long started = System.nanoTime();
        Object event = Jfr.begin(Metrics.READ);
        int n = file.readIfCached(dst, position);
        if (n != BackendFile.NOT_CACHED) {
            m.completedHere(Metrics.READ, started, Math.max(n, 0));
            m.event(event, path, position, Math.max(n, 0), null, null);
        }
        return n;
    }

    /** The size asked on the calling thread, or -1: see {@link BackendFile#sizeOnCallerThread()}. */
    public long sizeOnCallerThread() {
        Metrics m = engine.recorder();
        long started = System.nanoTime();
        Object event = Jfr.begin(Metrics.STAT);
        long size = file.sizeOnCallerThread();
        if (size >= 0) {
            m.completedHere(Metrics.STAT, started, 0);
            m.event(event, path, -1, 0, "size", null);
        }
        return size;
    }

    /**
     * For a blocking channel that reads or writes this file with a system call of its own on the calling thread:
     * the time to hand to {@link #calledHere}.
     */
    public long callHereStarts() {
        return System.nanoTime();
    }

    /**
     * Counts a read ({@code read}) or write made on the calling thread since {@code started} at {@code position}:
     * {@code n} bytes, or {@code failed} with {@code error} (-1 at end of file is a read of nothing). Its JFR event,
     * when a recording asks for one, has the time of the count (the call is made before it is known to be wanted).
     */
    public void calledHere(boolean read, long started, long position, int n, IOException error) {
        Metrics m = engine.recorder();
        int kind = read ? Metrics.READ : Metrics.WRITE;
        Object event = Jfr.begin(kind);
        if (error != null) {
            m.failedHere(kind, started);
        } else {
            m.completedHere(kind, started, Math.max(n, 0));
        }
        m.event(event, path, position, Math.max(n, 0), null, error);
    }

    /** The size its open found, or -1: see {@link BackendFile#sizeAtOpen()}. */
    long sizeAtOpen() {
        return file.sizeAtOpen();
    }

    /**
     * For whole-file operations and text on an unseekable file: one read at the file's own position (with
     * {@code full}, reads until {@code dst} is full or the file ends), completing on the engine's completion
     * executor. The result is as for {@link #read(ByteBuffer, long)}: -1 only at end of file. The caller keeps
     * these reads one at a time.
     */
    public CompletableFuture<Integer> readInOrder(ByteBuffer dst, boolean full) {
        return readInOrder(dst, full, engine.completer());
    }

    /** As {@link #readInOrder(ByteBuffer, boolean)}, completing on {@code completer} (null: the backend thread). */
    CompletableFuture<Integer> readInOrder(ByteBuffer dst, boolean full, Executor completer) {
        checkReadable();
        Objects.requireNonNull(dst, "dst");
        return start(TransferOp.of(completer, this, true, full, dst, BackendFile.CURRENT_POSITION));
    }

    /**
     * For whole-file operations and text on an unseekable file: writes all of {@code src} at the file's own
     * position, in order, completing on the engine's completion executor (or on the backend thread for null).
     */
    public CompletableFuture<Integer> writeInOrder(ByteBuffer src) {
        return writeInOrder(src, engine.completer());
    }

    CompletableFuture<Integer> writeInOrder(ByteBuffer src, Executor completer) {
        checkWritable();
        Objects.requireNonNull(src, "src");
        return start(TransferOp.of(completer, this, false, true, src, BackendFile.CURRENT_POSITION));
    }

    /**
     * One write at the file's own position (with APPEND, at its end, on every platform), possibly short; with
     * {@code full}, all of {@code src}. Completes on the engine's completion executor.
     */
    public CompletableFuture<Integer> writeInOrder(ByteBuffer src, boolean full) {
        checkWritable();
        Objects.requireNonNull(src, "src");
        return start(TransferOp.of(engine.completer(), this, false, full, src, BackendFile.CURRENT_POSITION));
    }

    /**
     * One read or write at {@code position} whose future completes on {@code completer} (null: on the backend
     * thread) with {@code callback} registered before the transfer starts, so the callback runs where the future
     * completes, never on the calling thread, even for a transfer that ends at once. Arguments are checked as
     * {@link #read(ByteBuffer, long)} and {@link #write(ByteBuffer, long)} check them.
     */
    public CompletableFuture<Integer> transfer(boolean read, ByteBuffer buffer, long position, Executor completer,
                                               java.util.function.BiConsumer<? super Integer, ? super Throwable>
                                                       callback) {
        checkPosition(position);
        if (read) {
            checkReadable();
            Objects.requireNonNull(buffer, "dst");
            if (buffer.isReadOnly()) {
                throw new IllegalArgumentException("Read-only buffer");
            }
        } else {
            checkWritable();
            Objects.requireNonNull(buffer, "src");
        }
        TransferOp op = TransferOp.of(completer, this, read, false, buffer, position);
        op.whenComplete(callback);
        return start(op, false);
    }

    private CompletableFuture<Integer> start(TransferOp op) {
        return start(op, true);
    }

    /**
     * Starts {@code op}; a refusal at the engine's limits fails it on the calling thread with {@code refuseHere},
     * else, like every other outcome, where the op completes (for {@link #transfer}, whose callback must never run
     * on the calling thread).
     */
    private CompletableFuture<Integer> start(TransferOp op, boolean refuseHere) {
        if (!isOpen()) {
            op.failed(new ClosedChannelException());
        } else if (!op.admit(engine.admission())) {
            if (refuseHere) {
                op.refuse(engine.admission().refusal());
            } else {
                op.failed(engine.admission().refusal());
            }
        } else {
            watch(op, op.isRead() ? "read" : "write");
            op.start();
        }
        return op;
    }

    /** A positional read's arguments, in AsynchronousFileChannel's order: position, open mode, buffer. */
    private void checkRead(long position, Object dst) {
        checkPosition(position);
        checkReadable();
        Objects.requireNonNull(dst, "dst");
        if (dst instanceof ByteBuffer ? ((ByteBuffer) dst).isReadOnly() : ((ByteBuf) dst).isReadOnly()) {
            throw new IllegalArgumentException("Read-only buffer");
        }
    }

    private static void checkPosition(long position) {
        if (position < 0) {
            throw new IllegalArgumentException("Negative position: " + position);
        }
    }

    private void checkReadable() {
        if (!readable) {
            throw new NonReadableChannelException();
        }
    }

    private void checkWritable() {
        if (!writable) {
            throw new NonWritableChannelException();
        }
    }

    // ---- streams

    @Override
    public Flow.Publisher<ByteBuffer> publisher(long position, int chunkSize) {
        return Text.bytes(this, position, chunkSize);
    }

    @Override
    public CompletableFuture<Long> writeAll(Flow.Publisher<? extends ByteBuffer> source, long position) {
        Objects.requireNonNull(source, "source");
        FileSubscriber subscriber = Text.writingTo(this, position);
        source.subscribe(subscriber);
        return subscriber.result();
    }

    // ---- to a socket

    @Override
    public CompletableFuture<Long> sendTo(io.netty.channel.Channel channel, long position, long count) {
        Objects.requireNonNull(channel, "channel");
        checkPosition(position);
        if (count < 0) {
            throw new IllegalArgumentException("Negative count: " + count);
        }
        checkReadable();
        ValueOp<Long> op = new ValueOp<>(engine.completer(), engine.recorder(), Metrics.READ, ValueOp.SIZE);
        op.about(path, "sendTo");
        if (!isOpen()) {
            op.failed(new ClosedChannelException());
        } else if (!channel.isActive()) {
            op.failed(new ClosedChannelException());
        } else if (!(channel instanceof io.netty.channel.unix.UnixChannel)) {
            op.failed(new UnsupportedOperationException("no socket descriptor to send to: " + channel));
        } else if (!op.admit(engine.admission())) {
            op.refuse(engine.admission().refusal());
        } else {
            Runnable closed = file.sendTo(((io.netty.channel.unix.UnixChannel) channel).fd().intValue(), position,
                    count, op);
            // A channel closed mid-send (its peer went away, or its owner closed it) ends the send: the send holds
            // a descriptor of its own for the socket, which would otherwise keep it open until the send is over.
            io.netty.util.concurrent.GenericFutureListener<io.netty.util.concurrent.Future<? super Void>> onClose =
                    f -> closed.run();
            channel.closeFuture().addListener(onClose);
            op.whenComplete((n, e) -> channel.closeFuture().removeListener(onClose));
        }
        return op;
    }

    // ---- direct I/O

    /** Alignment of {@link #allocateAligned} for a file without direct I/O: a page. */
    private static final int PAGE = 4096;

    @Override
    public OptionalInt directIoAlignment() {
        int alignment = file.directIoAlignment();
        return alignment > 0 ? OptionalInt.of(alignment) : OptionalInt.empty();
    }

    @Override
    public ByteBuffer allocateAligned(int capacity) {
        if (capacity < 0) {
            throw new IllegalArgumentException("Negative capacity: " + capacity);
        }
        int alignment = Math.max(file.directIoAlignment(), 1);
        int align = Integer.highestOneBit(alignment) == alignment ? Math.max(alignment, PAGE) : PAGE;
        ByteBuffer block = ByteBuffer.allocateDirect(capacity + align);
        int start = (align - block.alignmentOffset(0, align)) % align;
        return block.position(start).limit(start + capacity).slice();
    }

    // ---- the rest

    @Override
    public CompletableFuture<Long> size() {
        return size(engine.completer());
    }

    @Override
    public CompletableFuture<java.nio.file.attribute.BasicFileAttributes> readAttributes() {
        if (!isOpen()) {
            return EngineFuture.failed(new ClosedChannelException());
        }
        if (CallerStack.mayCompleteHere()) {
            Metrics m = engine.recorder();
            long started = System.nanoTime();
            Object event = Jfr.begin(Metrics.STAT);
            java.nio.file.attribute.BasicFileAttributes here = file.readAttributesWithoutWaiting();
            if (here != null) {
                m.completedHere(Metrics.STAT, started, 0);
                m.event(event, path, -1, 0, "readAttributes", null);
                return EngineFuture.completedHere(here);
            }
        }
        return engine.fileCall(Metrics.STAT, path, "readAttributes", timeoutNanos, file::readAttributes);
    }

    @Override
    public java.util.Optional<java.nio.file.attribute.BasicFileAttributes> attributesAtOpen() {
        return java.util.Optional.ofNullable(file.attributesAtOpen());
    }

    CompletableFuture<Long> size(Executor completer) {
        ValueOp<Long> op = new ValueOp<>(completer, engine.recorder(), Metrics.STAT, ValueOp.SIZE);
        op.about(path, "size");
        if (!isOpen()) {
            op.failed(new ClosedChannelException());
        } else if (!op.admit(engine.admission())) {
            op.refuse(engine.admission().refusal());
        } else {
            watch(op, "size");
            file.size(op);
        }
        return op;
    }

    @Override
    public CompletableFuture<AsyncFile> truncate(long size) {
        if (size < 0) {
            throw new IllegalArgumentException("Negative size: " + size);
        }
        checkWritable();
        ValueOp<AsyncFile> op = new ValueOp<>(engine.completer(), engine.recorder(), Metrics.PATH, result -> {
            if (cursor > size) { // as FileChannel.truncate moves its position; before the future completes
                cursor = size;
            }
            return this;
        });
        op.about(path, "truncate");
        if (!isOpen()) {
            op.failed(new ClosedChannelException());
        } else if (!op.admit(engine.admission())) {
            op.refuse(engine.admission().refusal());
        } else {
            watch(op, "truncate");
            file.truncate(size, op);
        }
        return op;
    }

    @Override
    public CompletableFuture<Void> force(boolean metaData) {
        return force(metaData, engine.completer());
    }

    CompletableFuture<Void> force(boolean metaData, Executor completer) {
        ForceOp op = new ForceOp(completer);
        Throwable earlier = forceFailure;
        if (!isOpen()) {
            op.failed(new ClosedChannelException());
        } else if (earlier != null) {
            // After a failed fsync the kernel may report the next one as clean although the data never reached the
            // device (it drops the failed pages' error once reported). Data written before is not known to be safe.
            op.failed(new FileSystemException(name(), null,
                    "an earlier force failed; data written through this handle may be lost: " + earlier.getMessage()));
        } else if (!op.admit(engine.admission())) {
            op.refuse(engine.admission().refusal());
        } else {
            watch(op, "force");
            file.force(metaData, op);
        }
        return op;
    }

    /** A force whose I/O failure is remembered, so that no later force on this handle reports success. */
    private final class ForceOp extends Op<Void> {
        ForceOp(Executor completer) {
            super(completer);
            begin();
        }

        @Override
        Metrics metrics() {
            return engine.recorder();
        }

        @Override
        int kind() {
            return Metrics.FORCE;
        }

        @Override
        String eventPath() {
            return name();
        }

        @Override
        Void value(long result) {
            return null;
        }

        @Override
        public void failed(Throwable error) {
            if (forceFailure == null && error instanceof IOException && !(error instanceof ClosedChannelException)) {
                forceFailure = error;
            }
            super.failed(error);
        }
    }

    @Override
    public CompletableFuture<Void> closeAsync() {
        return closeAsync(engine.completer());
    }

    /**
     * The close of a blocking channel, which waits for it: the outcome is not moved to the completion executor, and
     * with {@code onCaller} (a platform thread) the descriptor is closed on the calling thread where the backend can
     * ({@link BackendFile#closeOnCallerThread}), so that the future is done when this returns.
     */
    public CompletableFuture<Void> closeForBlockingCaller(boolean onCaller) {
        return closeAsync(null, onCaller);
    }

    CompletableFuture<Void> closeAsync(Executor completer) {
        return closeAsync(completer, false);
    }

    private CompletableFuture<Void> closeAsync(Executor completer, boolean onCaller) {
        CompletableFuture<Void> current = closing.get();
        if (current != null) {
            return current;
        }
        ValueOp<Void> op = new ValueOp<>(completer, engine.recorder(), Metrics.CLOSE, ValueOp.NOTHING);
        op.about(path, "close");
        if (!closing.compareAndSet(null, op)) {
            return closing.get();
        }
        op.whenComplete((ignored, error) -> engine.forget(this));
        if (!deleteAfterClose) {
            // A file only read closes on this thread: no ring round trip (and no wake-up of a loop) for it.
            if (!(onCaller ? file.closeOnCallerThread(op) : !writable && file.closeReadOnlyWithoutWaiting(op))) {
                file.close(op);
            }
            return op;
        }
        ValueOp<Void> closed = new ValueOp<>(null, null, Metrics.CLOSE, ValueOp.NOTHING); // internal step (op counts): delete, then complete op
        closed.whenComplete((ignored, closeError) -> engine.deleteQuietly(path).whenComplete((x, y) -> {
            if (closeError != null) {
                op.failed(EngineImpl.unwrap(closeError));
            } else {
                op.completed(0);
            }
        }));
        file.close(closed);
        return op;
    }

    @Override
    public void close() throws IOException {
        EngineImpl.checkMayBlock("AsyncFile.close()");
        try {
            closeAsync().join();
        } catch (CompletionException e) {
            Throwable cause = e.getCause();
            if (cause instanceof IOException) {
                throw (IOException) cause;
            }
            if (cause instanceof UncheckedIOException) {
                throw ((UncheckedIOException) cause).getCause();
            }
            throw e;
        }
    }

    /**
     * Equality stays identity; the hash is its backend file's (the descriptor's on io_uring), where the identity hash
     * of a new object costs a call into the VM at its first use (the engine's set of open files).
     */
    @Override
    public int hashCode() {
        return file.hashCode();
    }

    @Override
    public String toString() {
        return "AsyncFile[" + path + (isOpen() ? "" : ", closed") + "]";
    }
}
