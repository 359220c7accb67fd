package io.ringfile.internal.channels;

import io.ringfile.internal.AsyncFileImpl;
import io.ringfile.internal.uring.RingThreads;

import java.io.IOException;
import java.lang.ref.Cleaner;
import java.nio.ByteBuffer;
import java.nio.channels.AsynchronousCloseException;
import java.nio.channels.AsynchronousFileChannel;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.CompletionHandler;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.NonReadableChannelException;
import java.nio.channels.NonWritableChannelException;
import java.nio.channels.ShutdownChannelGroupException;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executor;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.ForkJoinPool;
import java.util.concurrent.Future;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.SynchronousQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * An {@link AsynchronousFileChannel} whose reads and writes are the engine's operations, as the JDK specifies the
 * class: a {@code Future} form and a {@link CompletionHandler} form.
 *
 * <p>Handlers: every handler runs on a thread of the channel's executor, the one given when it was opened, or, for
 * none, a shared pool of daemon threads (named {@code ringfile-aio-N}, made as needed, ended after a minute idle),
 * which stands in for the JDK's default thread pool. A handler never runs on the calling thread, not even for an
 * operation that is over at once (a closed channel, an empty buffer), nor on an engine thread. The executor's
 * {@code execute} is called from engine threads, so it must queue the task (a caller-runs policy would run the
 * handler on an engine thread). As in the JDK, a read or write on a channel whose executor is shut down throws
 * {@link RejectedExecutionException}, or, when it is over at once, {@link ShutdownChannelGroupException}; a
 * handler whose executor is shut down while its operation is in flight runs on {@link ForkJoinPool#commonPool()}.
 *
 * <p>Futures: {@code get()} waits (interruptibly, as the JDK's) and a thread waiting in it receives the outcome
 * directly. {@code cancel(false)} only detaches the caller: the operation runs to its end and its buffer stays the
 * engine's until then; {@code cancel(true)} also closes the channel, as the JDK does.
 *
 * <p>{@link #lock} and {@link #tryLock} are the JDK's, taken through a JDK {@code FileChannel} on the same open file
 * (see {@link PlatformChannel}); a lock that must wait for another process waits on the executor.
 *
 * <p>{@link #size()}, {@link #truncate}, {@link #force} and {@link #close()} block the caller (as the JDK's do), and
 * are not interrupted by an interrupt. {@code close()} returns once the operations in flight have finished and the
 * descriptor is closed.
 */
public final class RingfileAsynchronousFileChannel extends AsynchronousFileChannel {

    private final AsyncFileImpl file;
    private final ExecutorService executor;
    private final Executor handlers;
    private final boolean readable;
    private final boolean writable;
    private final PlatformChannel platform;
    private final AtomicBoolean closed = new AtomicBoolean();
    private final Cleaner.Cleanable cleanable;

    /**
     * A channel over {@code file}, which it owns and closes.
     *
     * @param file the open file
     * @param executor where handlers run; null for the shared default pool
     */
    public RingfileAsynchronousFileChannel(AsyncFileImpl file, ExecutorService executor) {
        this.file = file;
        this.executor = executor != null ? executor : DefaultPool.EXECUTOR;
        this.handlers = new Handlers(this.executor);
        this.readable = file.readable();
        this.writable = file.writable();
        this.platform = new PlatformChannel(file);
        this.cleanable = PlatformChannel.CLEANER.register(this, new CloseUnreachable(file, platform));
    }

    /** The JDK's default thread pool's stand-in: a cached pool of daemon threads, made when first needed. */
    private static final class DefaultPool {
        static final ExecutorService EXECUTOR = newPool();

        private static ExecutorService newPool() {
            AtomicInteger count = new AtomicInteger();
            return new ThreadPoolExecutor(0, Integer.MAX_VALUE, 60, TimeUnit.SECONDS, new SynchronousQueue<>(),
                    task -> {
                        Thread thread = new Thread(task, "ringfile-aio-" + count.incrementAndGet());
                        thread.setDaemon(true);
                        return thread;
                    });
        }
    }

    /**
     * The executor handlers run on: the channel's; when that refuses (shut down while an operation was in flight),
     * the common pool, so that a handler never runs on the engine thread that delivers it.
     */
    private static final class Handlers implements Executor {
        private final ExecutorService executor;

        Handlers(ExecutorService executor) {
            this.executor = executor;
        }

        @Override
        public void execute(Runnable task) {
            try {
                executor.execute(task);
            } catch (RejectedExecutionException e) {
                ForkJoinPool.commonPool().execute(task);
            }
        }
    }

    /** Closes the file of a channel that was dropped without being closed. */
    private static final class CloseUnreachable implements Runnable {
        private final AsyncFileImpl file;
        private final PlatformChannel platform;

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
            file.closeAsync();
        }
    }

    @Override
    public boolean isOpen() {
        return !closed.get();
    }

    // ---------------------------------------------------------------- blocking calls

    /**
     * Waits for an engine future. Refused on an io_uring thread even when the future happens to be done already
     * (an operation that ran on another loop of a shared group, say), so that the refusal does not depend on timing.
     */
    private <T> T await(CompletableFuture<T> future) throws IOException {
        RingThreads.checkMayBlock("A blocking AsynchronousFileChannel call");
        try {
            return future.join();
        } catch (CompletionException e) {
            Throwable error = e.getCause();
            if (error instanceof IOException && !isOpen()) {
                throw new AsynchronousCloseException();
            }
            throw RingfileFileChannel.ioException(error);
        }
    }

    private void ensureOpen() throws ClosedChannelException {
        if (!isOpen()) {
            throw new ClosedChannelException();
        }
    }

    @Override
    public long size() throws IOException {
        ensureOpen();
        return await(file.size());
    }

    @Override
    public AsynchronousFileChannel truncate(long size) throws IOException {
        if (size < 0) {
            throw new IllegalArgumentException("Negative size");
        }
        if (!writable) {
            throw new NonWritableChannelException();
        }
        if (!isOpen()) { // what the JDK's channel reports here: its end-of-operation check replaces the closed one
            throw new AsynchronousCloseException();
        }
        await(file.truncate(size));
        return this;
    }

    @Override
    public void force(boolean metaData) throws IOException {
        ensureOpen();
        await(file.force(metaData));
    }

    /**
     * Closes the channel: releases its locks, waits until the operations in flight have finished and the
     * descriptor is closed. Operations the kernel could stop fail with {@link AsynchronousCloseException}. On an
     * io_uring thread, which must not wait, it returns without waiting for the descriptor (as the FileChannel's).
     */
    @Override
    public void close() throws IOException {
        if (!closed.compareAndSet(false, true)) {
            return;
        }
        cleanable.clean(); // the delegate, then the file
        if (!RingThreads.isCurrent()) {
            await(file.closeAsync());
        }
    }

    // ---------------------------------------------------------------- reads and writes

    @Override
    public Future<Integer> read(ByteBuffer dst, long position) {
        return transfer(true, dst, position, null, null);
    }

    @Override
    public <A> void read(ByteBuffer dst, long position, A attachment,
                         CompletionHandler<Integer, ? super A> handler) {
        Objects.requireNonNull(handler, "'handler' is null");
        transfer(true, dst, position, attachment, handler);
    }

    @Override
    public Future<Integer> write(ByteBuffer src, long position) {
        return transfer(false, src, position, null, null);
    }

    @Override
    public <A> void write(ByteBuffer src, long position, A attachment,
                          CompletionHandler<Integer, ? super A> handler) {
        Objects.requireNonNull(handler, "'handler' is null");
        transfer(false, src, position, attachment, handler);
    }

    /** A read or write; arguments checked in the JDK's order: position, open mode, buffer. */
    private <A> Future<Integer> transfer(boolean read, ByteBuffer buffer, long position, A attachment,
                                         CompletionHandler<Integer, ? super A> handler) {
        if (position < 0) {
            throw new IllegalArgumentException("Negative position");
        }
        if (read) {
            if (!readable) {
                throw new NonReadableChannelException();
            }
            if (buffer.isReadOnly()) {
                throw new IllegalArgumentException("Read-only buffer");
            }
        } else if (!writable) {
            throw new NonWritableChannelException();
        }
        if (!isOpen() || !buffer.hasRemaining()) { // over at once, as in the JDK: nothing goes to the engine
            Throwable error = isOpen() ? null : new ClosedChannelException();
            if (handler == null) {
                checkExecutor(RejectedExecutionException::new);
                return new Result<>(error == null ? CompletableFuture.completedFuture(0)
                        : CompletableFuture.failedFuture(error), false);
            }
            checkExecutor(ShutdownChannelGroupException::new);
            invoke(handler, attachment, 0, error);
            return null;
        }
        checkExecutor(RejectedExecutionException::new);
        if (handler == null) {
            return new Result<>(read ? file.read(buffer, position) : file.write(buffer, position), true);
        }
        file.transfer(read, buffer, position, handlers, (n, error) -> {
            Throwable failure = error == null ? null : unwrap(error);
            if ((failure instanceof IOException || n != null && n < 0) && !isOpen()) {
                failure = new AsynchronousCloseException();
            }
            call(handler, attachment, failure == null ? n : null, failure);
        });
        return null;
    }

    /** The JDK runs every operation on the executor, so one that is shut down refuses it at once. */
    private void checkExecutor(java.util.function.Supplier<? extends RuntimeException> refusal) {
        if (executor.isShutdown()) {
            throw refusal.get();
        }
    }

    private static Throwable unwrap(Throwable error) {
        while (error instanceof CompletionException && error.getCause() != null) {
            error = error.getCause();
        }
        return error;
    }

    /** Runs the handler on the executor, never on the calling thread. */
    private <V, A> void invoke(CompletionHandler<V, ? super A> handler, A attachment, V value, Throwable error) {
        handlers.execute(() -> call(handler, attachment, value, error));
    }

    /** Calls the handler on this thread (an executor thread), then clears an interrupt it left, as the JDK does. */
    private static <V, A> void call(CompletionHandler<V, ? super A> handler, A attachment, V value,
                                    Throwable error) {
        try {
            if (error == null) {
                handler.completed(value, attachment);
            } else {
                handler.failed(error, attachment);
            }
        } finally {
            Thread.interrupted();
        }
    }

    /**
     * The {@code Future} of an operation: only {@code Future}'s methods, so no dependent stage can run on an engine
     * thread. With {@code mapClose}, an I/O failure (or end of file) of an operation that the channel's close cut
     * short is reported as {@link AsynchronousCloseException}, as the JDK reports it.
     */
    private final class Result<V> implements Future<V> {
        private final CompletableFuture<V> future;
        private final boolean mapClose;

        Result(CompletableFuture<V> future, boolean mapClose) {
            this.future = future;
            this.mapClose = mapClose;
        }

        @Override
        public boolean cancel(boolean mayInterruptIfRunning) {
            if (!future.cancel(false)) {
                return false;
            }
            if (mayInterruptIfRunning) {
                try {
                    close();
                } catch (IOException ignored) {
                    // the cancellation stands; the close reports nothing here, as in the JDK
                }
            }
            return true;
        }

        @Override
        public boolean isCancelled() {
            return future.isCancelled();
        }

        @Override
        public boolean isDone() {
            return future.isDone();
        }

        @Override
        public V get() throws InterruptedException, ExecutionException {
            try {
                return checked(future.get());
            } catch (ExecutionException e) {
                throw mapped(e);
            }
        }

        @Override
        public V get(long timeout, TimeUnit unit) throws InterruptedException, ExecutionException, TimeoutException {
            try {
                return checked(future.get(timeout, unit));
            } catch (ExecutionException e) {
                throw mapped(e);
            }
        }

        private V checked(V value) throws ExecutionException {
            if (mapClose && value instanceof Integer && (Integer) value < 0 && !isOpen()) {
                throw new ExecutionException(new AsynchronousCloseException());
            }
            return value;
        }

        private ExecutionException mapped(ExecutionException e) {
            if (mapClose && e.getCause() instanceof IOException && !isOpen()
                    && !(e.getCause() instanceof AsynchronousCloseException)) {
                return new ExecutionException(new AsynchronousCloseException());
            }
            return e;
        }
    }

    // ---------------------------------------------------------------- locks

    @Override
    public Future<FileLock> lock(long position, long size, boolean shared) {
        return implLock(position, size, shared, null, null);
    }

    @Override
    public <A> void lock(long position, long size, boolean shared, A attachment,
                         CompletionHandler<FileLock, ? super A> handler) {
        Objects.requireNonNull(handler, "'handler' is null");
        implLock(position, size, shared, attachment, handler);
    }

    /**
     * Tries the lock at once (so an overlapping lock of this JVM throws {@code OverlappingFileLockException} here,
     * and bad arguments {@code IllegalArgumentException}, as in the JDK); a lock held by another process is
     * waited for on the executor.
     */
    private <A> Future<FileLock> implLock(long position, long size, boolean shared, A attachment,
                                          CompletionHandler<FileLock, ? super A> handler) {
        if (shared && !readable) {
            throw new NonReadableChannelException();
        }
        if (!shared && !writable) {
            throw new NonWritableChannelException();
        }
        CompletableFuture<FileLock> result = new CompletableFuture<>();
        if (handler != null) {
            result.whenComplete((lock, error) -> call(handler, attachment, lock, error == null ? null
                    : unwrap(error)));
        }
        FileLock acquired = null;
        FileChannel channel = null;
        try {
            channel = openPlatform();
            FileLock lock = channel.tryLock(position, size, shared);
            if (lock != null) {
                acquired = new PlatformChannel.Lock(this, lock);
            }
        } catch (IOException e) { // closed, or the delegate could not be opened
            completeLater(result, null, e);
            return handler == null ? new Result<>(result, false) : null;
        }
        if (acquired != null) {
            completeLater(result, acquired, null);
        } else {
            FileChannel platformChannel = channel;
            executor.execute(() -> {
                try {
                    FileLock lock = new PlatformChannel.Lock(this, platformChannel.lock(position, size, shared));
                    if (!result.complete(lock)) {
                        lock.release(); // the caller cancelled: give it back
                    }
                } catch (IOException e) {
                    result.completeExceptionally(isOpen() ? e : new AsynchronousCloseException());
                } catch (RuntimeException | Error e) {
                    result.completeExceptionally(e);
                }
            });
        }
        return handler == null ? new Result<>(result, false) : null;
    }

    /** Completes {@code result} on the executor, so that a handler never runs on the calling thread. */
    private void completeLater(CompletableFuture<FileLock> result, FileLock lock, Throwable error) {
        handlers.execute(() -> {
            if (error == null) {
                result.complete(lock);
            } else {
                result.completeExceptionally(error);
            }
        });
    }

    @Override
    public FileLock tryLock(long position, long size, boolean shared) throws IOException {
        if (shared && !readable) {
            throw new NonReadableChannelException();
        }
        if (!shared && !writable) {
            throw new NonWritableChannelException();
        }
        FileLock lock = openPlatform().tryLock(position, size, shared);
        return lock == null ? null : new PlatformChannel.Lock(this, lock);
    }

    private FileChannel openPlatform() throws IOException {
        ensureOpen();
        FileChannel channel = platform.get();
        if (!isOpen()) {
            throw new AsynchronousCloseException();
        }
        return channel;
    }

    @Override
    public String toString() {
        return "RingfileAsynchronousFileChannel[" + file.path() + (isOpen() ? "" : ", closed") + "]";
    }
}
