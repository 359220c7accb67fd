package io.ringfile.internal;

import io.ringfile.internal.uring.RingThreads;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.BiConsumer;
import java.util.function.BiFunction;
import java.util.function.Consumer;
import java.util.function.Function;

/**
 * A future the engine hands out, and every stage derived from it: a blocking wait for it on an io_uring thread is
 * refused with {@link IllegalStateException} (see {@link RingThreads}), since that thread would wait for a completion
 * only it can deliver. A wait on a future that is already done is no wait and is allowed.
 *
 * <p>A stage attached to a future that is already done runs inside the attaching call: those calls are counted
 * ({@link CallerStack#nest()}), so that a recursive chain of engine futures that keep coming back complete is sent
 * the asynchronous way before its stack grows too deep.
 */
public final class EngineFuture<T> extends CompletableFuture<T> {

    private static final EngineFuture<Void> DONE = new EngineFuture<>(true);

    /** Set on {@link #DONE} only: its outcome can never change, so it may be handed to any number of callers. */
    private final boolean shared;
    /** Made complete on the caller's thread by a call that waited for nothing: see {@link #completedHere}. */
    private final boolean here;

    /** An incomplete future. */
    public EngineFuture() {
        this.shared = false;
        this.here = false;
    }

    private EngineFuture(boolean shared) {
        this.shared = shared;
        this.here = false;
        super.complete(null);
    }

    private EngineFuture(T value, boolean here) {
        this.shared = false;
        this.here = here;
        super.complete(value);
    }

    /**
     * A future complete with {@code value}, made on the caller's thread by a call that waited for nothing (a stat of
     * a cached path, say): the engine hands it back as it is, not through its completion executor, as a cache would
     * (see {@link #isCompletedHere}).
     */
    public static <T> EngineFuture<T> completedHere(T value) {
        return new EngineFuture<>(value, true);
    }

    /** Whether {@code future} is one of {@link #completedHere}'s. */
    public static boolean isCompletedHere(CompletableFuture<?> future) {
        return future instanceof EngineFuture && ((EngineFuture<?>) future).here;
    }

    /**
     * One future, complete with null, handed to every caller of a call that finished at once (allocation-free). Its
     * outcome cannot be changed: {@code complete}, {@code completeExceptionally} and {@code cancel} find it done, and
     * {@code obtrudeValue}/{@code obtrudeException} throw {@link UnsupportedOperationException}.
     */
    public static EngineFuture<Void> done() {
        return DONE;
    }

    @Override
    public void obtrudeValue(T value) {
        if (shared) {
            throw new UnsupportedOperationException("a shared completed Ringfile future cannot be changed");
        }
        super.obtrudeValue(value);
    }

    @Override
    public void obtrudeException(Throwable error) {
        if (shared) {
            throw new UnsupportedOperationException("a shared completed Ringfile future cannot be changed");
        }
        super.obtrudeException(error);
    }

    /** A future complete with {@code value}. */
    public static <T> EngineFuture<T> completed(T value) {
        EngineFuture<T> future = new EngineFuture<>();
        future.complete(value);
        return future;
    }

    /** A future failed with {@code error}. */
    public static <T> EngineFuture<T> failed(Throwable error) {
        EngineFuture<T> future = new EngineFuture<>();
        future.completeExceptionally(error);
        return future;
    }

    @Override
    public T join() {
        checkMayWait("join()");
        return super.join();
    }

    @Override
    public T get() throws InterruptedException, ExecutionException {
        checkMayWait("get()");
        return super.get();
    }

    @Override
    public T get(long timeout, TimeUnit unit) throws InterruptedException, ExecutionException, TimeoutException {
        if (timeout > 0) {
            checkMayWait("get(timeout)");
        }
        return super.get(timeout, unit);
    }

    // ---- stages: those attached to a done future run now, on this thread, and are counted (see CallerStack)

    @Override
    public <U> CompletableFuture<U> thenApply(Function<? super T, ? extends U> fn) {
        int[] nesting = nestIfDone();
        try {
            return super.thenApply(fn);
        } finally {
            CallerStack.unnest(nesting);
        }
    }

    @Override
    public CompletableFuture<Void> thenAccept(Consumer<? super T> action) {
        int[] nesting = nestIfDone();
        try {
            return super.thenAccept(action);
        } finally {
            CallerStack.unnest(nesting);
        }
    }

    @Override
    public CompletableFuture<Void> thenRun(Runnable action) {
        int[] nesting = nestIfDone();
        try {
            return super.thenRun(action);
        } finally {
            CallerStack.unnest(nesting);
        }
    }

    @Override
    public <U, V> CompletableFuture<V> thenCombine(CompletionStage<? extends U> other,
                                                   BiFunction<? super T, ? super U, ? extends V> fn) {
        int[] nesting = nestIfDone();
        try {
            return super.thenCombine(other, fn);
        } finally {
            CallerStack.unnest(nesting);
        }
    }

    @Override
    public <U> CompletableFuture<Void> thenAcceptBoth(CompletionStage<? extends U> other,
                                                      BiConsumer<? super T, ? super U> action) {
        int[] nesting = nestIfDone();
        try {
            return super.thenAcceptBoth(other, action);
        } finally {
            CallerStack.unnest(nesting);
        }
    }

    @Override
    public CompletableFuture<Void> runAfterBoth(CompletionStage<?> other, Runnable action) {
        int[] nesting = nestIfDone();
        try {
            return super.runAfterBoth(other, action);
        } finally {
            CallerStack.unnest(nesting);
        }
    }

    @Override
    public <U> CompletableFuture<U> applyToEither(CompletionStage<? extends T> other, Function<? super T, U> fn) {
        int[] nesting = nestIfDone();
        try {
            return super.applyToEither(other, fn);
        } finally {
            CallerStack.unnest(nesting);
        }
    }

    @Override
    public CompletableFuture<Void> acceptEither(CompletionStage<? extends T> other, Consumer<? super T> action) {
        int[] nesting = nestIfDone();
        try {
            return super.acceptEither(other, action);
        } finally {
            CallerStack.unnest(nesting);
        }
    }

    @Override
    public CompletableFuture<Void> runAfterEither(CompletionStage<?> other, Runnable action) {
        int[] nesting = nestIfDone();
        try {
            return super.runAfterEither(other, action);
        } finally {
            CallerStack.unnest(nesting);
        }
    }

    @Override
    public <U> CompletableFuture<U> thenCompose(Function<? super T, ? extends CompletionStage<U>> fn) {
        int[] nesting = nestIfDone();
        try {
            return super.thenCompose(fn);
        } finally {
            CallerStack.unnest(nesting);
        }
    }

    @Override
    public CompletableFuture<T> whenComplete(BiConsumer<? super T, ? super Throwable> action) {
        int[] nesting = nestIfDone();
        try {
            return super.whenComplete(action);
        } finally {
            CallerStack.unnest(nesting);
        }
    }

    @Override
    public <U> CompletableFuture<U> handle(BiFunction<? super T, Throwable, ? extends U> fn) {
        int[] nesting = nestIfDone();
        try {
            return super.handle(fn);
        } finally {
            CallerStack.unnest(nesting);
        }
    }

    @Override
    public CompletableFuture<T> exceptionally(Function<Throwable, ? extends T> fn) {
        int[] nesting = nestIfDone();
        try {
            return super.exceptionally(fn);
        } finally {
            CallerStack.unnest(nesting);
        }
    }

    @Override
    public CompletableFuture<T> exceptionallyCompose(Function<Throwable, ? extends CompletionStage<T>> fn) {
        int[] nesting = nestIfDone();
        try {
            return super.exceptionallyCompose(fn);
        } finally {
            CallerStack.unnest(nesting);
        }
    }

    /** {@link CallerStack#nest()} if this future is done (a stage attached now runs now), else null. */
    private int[] nestIfDone() {
        return isDone() ? CallerStack.nest() : null;
    }

    @Override
    public <U> CompletableFuture<U> newIncompleteFuture() {
        return new EngineFuture<>();
    }

    private void checkMayWait(String call) {
        if (!isDone()) {
            RingThreads.checkMayBlock(call + " on an unfinished Ringfile future");
        }
    }

    /**
     * Refuses a blocking call such as {@code close()} on an io_uring thread.
     *
     * @throws IllegalStateException on an io_uring thread
     */
    public static void checkMayBlock(String what) {
        RingThreads.checkMayBlock(what);
    }
}
