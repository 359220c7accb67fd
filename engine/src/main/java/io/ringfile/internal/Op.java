package io.ringfile.internal;

import io.ringfile.internal.backend.Completion;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;

/**
 * A user-visible future that is also the backend's {@link Completion} for the operation behind it: one object per
 * operation.
 *
 * <p>The backend reports on its own thread; the future is then completed on the completion executor, so user code
 * never runs on an I/O thread. With no executor (inline completion, or an internal step of a larger operation) it
 * is completed on the reporting thread.
 */
abstract class Op<T> extends CompletableFuture<T> implements Completion, Runnable {
    private final Executor completer;
    private long result;
    private Throwable error;

    Op(Executor completer) {
        this.completer = completer;
    }

    /** The future's value for a backend result. */
    abstract T value(long result);

    /** Releases what the op owns once the backend is done with it. */
    void release() {
    }

    @Override
    public void completed(long result) {
        release();
        this.result = result;
        dispatch();
    }

    @Override
    public void failed(Throwable error) {
        release();
        this.error = error;
        dispatch();
    }

    @Override
    public void abandoned(Throwable error) {
        this.error = error; // nothing released: the kernel may still write into the buffers
        dispatch();
    }

    private void dispatch() {
        if (completer == null) {
            run();
            return;
        }
        try {
            completer.execute(this);
        } catch (RejectedExecutionException e) {
            run(); // a shut-down executor must not leave the future hanging
        }
    }

    /** Completes the future; runs on the completion executor. */
    @Override
    public final void run() {
        if (error != null) {
            completeExceptionally(error);
        } else {
            complete(value(result));
        }
    }
}
