package io.ringfile.vertx;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.PooledByteBufAllocator;
import io.netty.buffer.Unpooled;
import io.vertx.core.Future;
import io.vertx.core.Handler;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.file.AsyncFile;
import io.vertx.core.file.AsyncFileLock;
import io.vertx.core.file.FileSystemException;
import io.vertx.core.file.OpenOptions;
import io.vertx.core.internal.ContextInternal;
import io.vertx.core.internal.PromiseInternal;
import io.vertx.core.internal.VertxInternal;
import io.vertx.core.internal.buffer.BufferInternal;

import java.io.IOException;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.file.OpenOption;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.function.BiConsumer;

/**
 * Vert.x's {@link AsyncFile} on a Ringfile {@link io.ringfile.AsyncFile}, with the behaviour of Vert.x's own
 * {@code AsyncFileImpl}: reads and writes at positions, a read stream and a write stream with Vert.x's flow control.
 *
 * <p>Threads: every handler and every future of the file runs on the context that opened it (its "context"),
 * except {@link #size()}, {@link #lock} and the lock's futures, which complete on the caller's context as Vert.x's do.
 * Methods may be called from any thread.
 *
 * <p>Read stream: one read of {@code readBufferSize} bytes (8 KiB by default) in flight at a time, from
 * {@code readPos} for at most {@code readLength} bytes; a paused stream finishes the read in flight and keeps its
 * buffer until demand returns, then reads on. Each buffer is a new heap buffer (Vert.x's buffers are garbage
 * collected and never released, so a pooled one would leak), filled by the engine through its pooled direct memory:
 * one copy, where Vert.x's {@code AsynchronousFileChannel} copies twice. End of file (or of the read length) ends
 * the stream. A read error goes to the exception handler and stops the stream. An exception thrown by the data or
 * end handler goes to the exception handler too, and the stream goes on; with no exception handler set it is dropped
 * (Vert.x's drops it in any case).
 *
 * <p>Write stream: writes go to the engine at once, at the write position (advanced by each {@link #write(Buffer)});
 * the bytes of unfinished writes count against the write queue's maximum (128 KiB by default), the queue is full
 * from that maximum until it drains to half of it, when the drain handler runs. Each write hands the buffer's Netty
 * {@code ByteBuf} to the engine (a direct buffer goes to the kernel as it is; a heap buffer is copied once into
 * pooled direct memory). {@link #close()} waits for the writes in flight, then closes the file.
 *
 * <p>Locks and {@link #sizeBlocking()} use a {@code FileChannel} on the same path, opened when first needed (with
 * the file's read and write modes, no other option) and closed with the file: the file must still be reachable by
 * its path then. POSIX record locks belong to the process and the file, so they lock the file itself, as Vert.x's
 * do; {@link #lock} waits on a thread of Vert.x's worker pool, as Vert.x's does.
 */
final class RingfileAsyncFile implements AsyncFile {
    static final int DEFAULT_READ_BUFFER_SIZE = 8192;

    private final VertxInternal vertx;
    private final ContextInternal context;
    private final io.ringfile.AsyncFile file;
    private final Path path;
    private final boolean readable;
    private final boolean writable;

    // Write stream (guarded by this)
    private boolean closed;
    private Runnable closeDeferred;
    private long writesOutstanding;
    private boolean writeQueueFull;
    private int maxWrites = 128 * 1024;
    private int lowWaterMark = maxWrites / 2;
    private Handler<Void> drainHandler;
    private Handler<Throwable> exceptionHandler;
    private long writePos;

    // Read stream (guarded by this)
    private int readBufferSize = DEFAULT_READ_BUFFER_SIZE;
    private long readPos;
    private long readLength = Long.MAX_VALUE;
    private Handler<Buffer> handler;
    private Handler<Void> endHandler;
    private boolean reading;
    /** Buffers read but not yet delivered, for lack of demand; an empty buffer stands for the end. */
    private final ArrayDeque<Buffer> pending = new ArrayDeque<>(2);
    private long demand = Long.MAX_VALUE;
    private boolean emitting;
    /** Reading stopped because a buffer had to wait; it starts again once the waiting buffers are delivered. */
    private boolean readStopped;

    private FileChannel channel;

    RingfileAsyncFile(VertxInternal vertx, ContextInternal context, io.ringfile.AsyncFile file, Path path,
                      OpenOptions options, long writePos) {
        this.vertx = vertx;
        this.context = context;
        this.file = file;
        this.path = path;
        this.readable = options.isRead();
        this.writable = options.isWrite();
        this.writePos = writePos;
    }

    // ---- positional reads and writes

    @Override
    public Future<Buffer> read(Buffer buffer, int offset, long position, int length) {
        Objects.requireNonNull(buffer, "buffer");
        require(offset >= 0, "offset must be >= 0");
        require(position >= 0, "position must be >= 0");
        require(length >= 0, "length must be >= 0");
        check();
        PromiseInternal<Buffer> promise = context.promise();
        ByteBuf into = PooledByteBufAllocator.DEFAULT.directBuffer(length, length);
        CompletableFuture<Integer> read;
        try {
            read = file.readFully(into, position);
        } catch (RuntimeException e) {
            into.release();
            throw e;
        }
        completeOnContext(read, (count, error) -> {
            try {
                if (error != null) {
                    promise.fail(error);
                } else {
                    // As Vert.x: the bytes read land at offset, and the buffer grows to reach at least offset.
                    ((BufferInternal) buffer).setBytes(offset, into.nioBuffer());
                    promise.complete(buffer);
                }
            } finally {
                into.release();
            }
        });
        return promise.future();
    }

    @Override
    public Future<Void> write(Buffer buffer, long position) {
        return doWrite(buffer, position);
    }

    @Override
    public Future<Void> write(Buffer buffer) {
        synchronized (this) {
            int length = buffer.length();
            Future<Void> written = doWrite(buffer, writePos);
            writePos += length;
            return written;
        }
    }

    private Future<Void> doWrite(Buffer buffer, long position) {
        Objects.requireNonNull(buffer, "buffer");
        require(position >= 0, "position must be >= 0");
        PromiseInternal<Void> promise = context.promise();
        ByteBuf bytes = ((BufferInternal) buffer).getByteBuf();
        int length = bytes.readableBytes();
        synchronized (this) {
            check();
            if (length == 0) {
                context.runOnContext(v -> writeDone(0, null, promise));
                return promise.future();
            }
            writesOutstanding += length;
            writeQueueFull |= writesOutstanding >= maxWrites;
        }
        CompletableFuture<Integer> written;
        try {
            written = file.writeFully(bytes, position); // the engine holds a reference to the bytes until done
        } catch (RuntimeException e) {
            synchronized (this) {
                writesOutstanding -= length;
            }
            throw e; // NonWritableChannelException for a file not opened for writing, as Vert.x throws it
        }
        onContext(written, (count, error) -> writeDone(length, error, promise));
        return promise.future();
    }

    /** On the context: a write of {@code length} bytes has finished. */
    private void writeDone(int length, Throwable error, PromiseInternal<Void> promise) {
        Runnable close = null;
        Handler<Void> drain = null;
        synchronized (this) {
            writesOutstanding -= length;
            if (writesOutstanding == 0 && closeDeferred != null) {
                close = closeDeferred;
                closeDeferred = null;
            } else if (writeQueueFull && writesOutstanding <= lowWaterMark) {
                writeQueueFull = false;
                drain = drainHandler;
            }
        }
        if (close != null) {
            close.run();
        } else if (drain != null) {
            drain.handle(null);
        }
        if (error != null) {
            promise.fail(error);
        } else {
            promise.complete();
        }
    }

    @Override
    public Future<Void> flush() {
        synchronized (this) {
            check();
        }
        return RingfileFileSystem.call(context, null, () -> file.force(false));
    }

    // ---- write stream

    @Override
    public synchronized AsyncFile setWriteQueueMaxSize(int maxSize) {
        require(maxSize >= 2, "maxSize must be >= 2");
        check();
        this.maxWrites = maxSize;
        this.lowWaterMark = maxSize / 2;
        return this;
    }

    @Override
    public synchronized boolean writeQueueFull() {
        check();
        return writeQueueFull;
    }

    @Override
    public synchronized AsyncFile drainHandler(Handler<Void> handler) {
        check();
        this.drainHandler = handler;
        return this;
    }

    @Override
    public synchronized AsyncFile exceptionHandler(Handler<Throwable> handler) {
        check();
        this.exceptionHandler = handler;
        return this;
    }

    @Override
    public synchronized AsyncFile setWritePos(long writePos) {
        this.writePos = writePos;
        return this;
    }

    @Override
    public synchronized long getWritePos() {
        return writePos;
    }

    @Override
    public Future<Void> end() {
        return close();
    }

    @Override
    public Future<Void> close() {
        PromiseInternal<Void> promise = context.promise();
        synchronized (this) {
            check();
            closed = true;
            if (writesOutstanding > 0) {
                closeDeferred = () -> doClose(promise);
                return promise.future();
            }
        }
        doClose(promise);
        return promise.future();
    }

    private void doClose(PromiseInternal<Void> promise) {
        FileChannel lockChannel;
        synchronized (this) {
            lockChannel = channel;
            channel = null;
        }
        onContext(file.closeAsync(), (v, error) -> {
            if (lockChannel != null) { // releases this file's locks, as closing Vert.x's channel does
                context.executeBlockingInternal(() -> {
                    lockChannel.close();
                    return null;
                }).onComplete(closed -> {
                    Throwable failure = error != null ? error : closed.cause();
                    if (failure != null) {
                        promise.fail(failure);
                    } else {
                        promise.complete();
                    }
                });
            } else if (error != null) {
                promise.fail(error);
            } else {
                promise.complete();
            }
        });
    }

    // ---- read stream

    @Override
    public synchronized AsyncFile setReadPos(long readPos) {
        this.readPos = readPos;
        return this;
    }

    @Override
    public synchronized AsyncFile setReadLength(long readLength) {
        this.readLength = readLength;
        return this;
    }

    @Override
    public synchronized long getReadLength() {
        return readLength;
    }

    @Override
    public synchronized AsyncFile setReadBufferSize(int readBufferSize) {
        this.readBufferSize = readBufferSize;
        return this;
    }

    @Override
    public AsyncFile handler(Handler<Buffer> handler) {
        synchronized (this) {
            check();
            if (closed) {
                return this;
            }
            this.handler = handler;
            if (handler == null) {
                pending.clear();
                return this;
            }
            if (pending.isEmpty()) {
                readStopped = false; // nothing waits: a new handler starts reading, as in Vert.x
            }
        }
        doRead();
        return this;
    }

    @Override
    public synchronized AsyncFile endHandler(Handler<Void> endHandler) {
        check();
        this.endHandler = endHandler;
        return this;
    }

    @Override
    public synchronized AsyncFile pause() {
        check();
        demand = 0L;
        return this;
    }

    @Override
    public AsyncFile resume() {
        synchronized (this) {
            check();
            if (closed) {
                return this;
            }
        }
        return fetch(Long.MAX_VALUE);
    }

    @Override
    public AsyncFile fetch(long amount) {
        if (amount < 0L) {
            throw new IllegalArgumentException("amount must be >= 0: " + amount);
        }
        synchronized (this) {
            demand += amount;
            if (demand < 0L) {
                demand = Long.MAX_VALUE;
            }
            if (emitting || (pending.isEmpty() && !readStopped)) {
                return this;
            }
            emitting = true;
        }
        context.runOnContext(v -> drain());
        return this;
    }

    /** Starts the next read of the stream, unless one is in flight, there is no handler or buffers wait. */
    private void doRead() {
        int size;
        long position;
        synchronized (this) {
            if (handler == null || reading || readStopped) {
                return;
            }
            reading = true;
            size = (int) Math.min(readBufferSize, readLength);
            position = readPos;
        }
        ByteBuf into = Unpooled.buffer(size, Integer.MAX_VALUE);
        CompletableFuture<Integer> read;
        try {
            read = file.readFully(into, position);
        } catch (RuntimeException e) {
            read = CompletableFuture.failedFuture(e);
        }
        onContext(read, (count, error) -> readDone(into, error));
    }

    /** On the context: a read of the stream has finished; an empty buffer is the end of the stream. */
    private void readDone(ByteBuf bytes, Throwable error) {
        if (error != null) {
            synchronized (this) {
                reading = false;
            }
            handleException(error);
            return;
        }
        Buffer buffer = BufferInternal.buffer(bytes);
        int length = buffer.length();
        synchronized (this) {
            reading = false;
            readPos += length;
            readLength -= length;
        }
        if (offer(buffer) && length > 0) {
            doRead();
        }
    }

    /**
     * On the context: delivers {@code buffer} now if there is demand, else keeps it. Returns whether reading may go
     * on (false once a buffer waits: reading starts again when the waiting buffers are delivered).
     */
    private boolean offer(Buffer buffer) {
        synchronized (this) {
            if (demand == 0L || emitting) {
                pending.add(buffer);
                if (demand == Long.MAX_VALUE || pending.size() < demand) {
                    return true;
                }
                readStopped = true;
                return false;
            }
            if (demand != Long.MAX_VALUE) {
                demand--;
            }
            emitting = true;
        }
        deliver(buffer);
        while (true) {
            Buffer next;
            synchronized (this) {
                if (demand == 0L) {
                    emitting = false;
                    readStopped = true;
                    return false;
                }
                if (pending.isEmpty()) {
                    emitting = false;
                    return true;
                }
                if (demand != Long.MAX_VALUE) {
                    demand--;
                }
                next = pending.poll();
            }
            deliver(next);
        }
    }

    /** On the context, after a fetch: delivers waiting buffers while there is demand, then reads on. */
    private void drain() {
        boolean readOn = false;
        while (true) {
            Buffer next;
            synchronized (this) {
                if (pending.isEmpty()) {
                    emitting = false;
                    if (readStopped) {
                        readStopped = false;
                        readOn = true;
                    }
                    break;
                }
                if (demand == 0L) {
                    emitting = false;
                    return;
                }
                if (demand != Long.MAX_VALUE) {
                    demand--;
                }
                next = pending.poll();
            }
            deliver(next);
        }
        if (readOn) {
            doRead();
        }
    }

    private void deliver(Buffer buffer) {
        try {
            if (buffer.length() > 0) {
                Handler<Buffer> h;
                synchronized (this) {
                    h = handler;
                }
                if (h != null) {
                    h.handle(buffer);
                }
            } else {
                Handler<Void> h;
                synchronized (this) {
                    handler = null;
                    h = endHandler;
                }
                if (h != null) {
                    h.handle(null);
                }
            }
        } catch (Exception e) {
            handlerFailed(e);
        } catch (Throwable t) {
            context.reportException(t);
        }
    }

    /**
     * An exception thrown by the data or end handler: to the file's exception handler, and nowhere when none is set.
     * Vert.x's AsyncFile drops it in both cases (its inbound buffer catches it and has no handler), and so must this
     * file where none is set: a pipe to an HTTP response that the client reset writes once more, the write fails at
     * once, the pipe ends the response, clears this file's handlers and then asks the ended response whether its
     * queue is full, which throws; reported to the context, that stack trace would be logged for every client that
     * goes away mid-file.
     */
    private void handlerFailed(Exception e) {
        Handler<Throwable> h;
        synchronized (this) {
            h = exceptionHandler;
        }
        if (h != null) {
            try {
                h.handle(e);
            } catch (Throwable t) {
                context.reportException(t);
            }
        }
    }

    private void handleException(Throwable error) {
        Handler<Throwable> h;
        synchronized (this) {
            h = exceptionHandler;
        }
        if (h != null && error instanceof Exception) {
            h.handle(error);
        } else {
            context.reportException(error);
        }
    }

    // ---- size and locks

    @Override
    public long sizeBlocking() {
        try {
            return channel().size();
        } catch (IOException e) {
            throw new FileSystemException(e);
        }
    }

    @Override
    public Future<Long> size() {
        return RingfileFileSystem.call(vertx.getOrCreateContext(), null, file::size);
    }

    @Override
    public AsyncFileLock tryLock(long position, long size, boolean shared) {
        FileLock lock;
        try {
            lock = channel().tryLock(position, size, shared);
        } catch (IOException e) {
            throw new FileSystemException(e);
        }
        return lock == null ? null : new RingfileFileLock(vertx, lock);
    }

    @Override
    public Future<AsyncFileLock> lock(long position, long size, boolean shared) {
        ContextInternal caller = vertx.getOrCreateContext();
        return caller.<AsyncFileLock>executeBlocking(() -> new RingfileFileLock(vertx,
                channel().lock(position, size, shared)), false)
                .recover(error -> caller.failedFuture(new FileSystemException(error)));
    }

    /** The file's {@code FileChannel} for locks and {@link #sizeBlocking()}, opened on first use. */
    private synchronized FileChannel channel() throws IOException {
        if (closed) {
            throw new ClosedChannelException(); // as Vert.x's closed channel says
        }
        if (channel == null) {
            List<OpenOption> modes = new ArrayList<>(2);
            if (readable) {
                modes.add(StandardOpenOption.READ);
            }
            if (writable) {
                modes.add(StandardOpenOption.WRITE);
            }
            channel = FileChannel.open(path, modes.toArray(new OpenOption[0]));
        }
        return channel;
    }

    // ---- plumbing

    /**
     * Runs {@code action} on the file's context once {@code future} completes: at once when it completes on the
     * context's thread, else handed to the context. Never inside the call that issued the operation (an outcome
     * known at once is handed to the context), so a handler set right after that call still sees it.
     */
    private <T> void onContext(CompletableFuture<T> future, BiConsumer<T, Throwable> action) {
        Issuing issuing = new Issuing();
        future.whenComplete((value, error) -> {
            Throwable failure = unwrap(error);
            if (issuing.now) {
                context.runOnContext(v -> action.accept(value, failure));
            } else {
                context.emit(v -> action.accept(value, failure));
            }
        });
        issuing.now = false;
    }

    /**
     * As {@link #onContext}, for an action that only fills what the caller handed in and completes the promise the
     * call returns: an outcome there inside the issuing call (a read of cached data, made on the caller's thread) is
     * acted on at once, since no handler of the caller's can run inside the call (the promise dispatches its handlers
     * to the context, and none is attached before the call returns). It costs no task on the context.
     */
    private <T> void completeOnContext(CompletableFuture<T> future, BiConsumer<T, Throwable> action) {
        Issuing issuing = new Issuing();
        future.whenComplete((value, error) -> {
            Throwable failure = unwrap(error);
            if (issuing.now) {
                action.accept(value, failure);
            } else {
                context.emit(v -> action.accept(value, failure));
            }
        });
        issuing.now = false;
    }

    /** Whether the call that issued an operation is still running: then its outcome must not run inside it. */
    private static final class Issuing {
        boolean now = true; // another thread may see it stale: it then hands the outcome over, which is still right
    }

    /** The engine's failure as the JDK's channel would have raised it (see {@link JdkFailures}). */
    private static Throwable unwrap(Throwable error) {
        if (error == null) {
            return null;
        }
        return JdkFailures.asJdkRead(error instanceof CompletionException && error.getCause() != null
                ? error.getCause() : error);
    }

    private void check() {
        if (closed) {
            throw new IllegalStateException("File handle is closed");
        }
    }

    private static void require(boolean condition, String message) {
        if (!condition) {
            throw new IllegalArgumentException(message);
        }
    }

    @Override
    public String toString() {
        return "RingfileAsyncFile[" + path + "]";
    }
}
