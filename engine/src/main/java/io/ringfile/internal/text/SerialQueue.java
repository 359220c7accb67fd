package io.ringfile.internal.text;

import java.nio.channels.ClosedChannelException;
import java.util.ArrayDeque;
import io.ringfile.internal.EngineFuture;

import java.util.concurrent.CompletableFuture;
import java.util.function.Supplier;

/**
 * Runs asynchronous steps one at a time, in the order they were submitted: a step starts when the one before has
 * completed. The last step ({@link #submitLast}) shuts the queue; later submissions fail with
 * {@link ClosedChannelException}.
 *
 * <p>Steps that complete at once are run in a loop, not by recursion, and a step submitted from inside a completing
 * step's dependents is queued rather than run nested, so long chains of synchronous steps use constant stack.
 */
final class SerialQueue {
    private static final class Task<T> {
        final Supplier<CompletableFuture<T>> step;
        final CompletableFuture<T> result = new EngineFuture<>(); // handed to the caller

        Task(Supplier<CompletableFuture<T>> step) {
            this.step = step;
        }

        CompletableFuture<?> start() {
            try {
                CompletableFuture<T> f = step.get();
                return f != null ? f : CompletableFuture.completedFuture(null);
            } catch (Throwable e) {
                return CompletableFuture.failedFuture(e);
            }
        }

        @SuppressWarnings("unchecked")
        void finish(Object value, Throwable error) {
            if (error != null) {
                result.completeExceptionally(Failures.unwrap(error));
            } else {
                result.complete((T) value);
            }
        }
    }

    private final ArrayDeque<Task<?>> queue = new ArrayDeque<>();
    private boolean running;
    private CompletableFuture<?> last;

    /** Queues {@code step}; the future completes as the step's future does. */
    <T> CompletableFuture<T> submit(Supplier<CompletableFuture<T>> step) {
        Task<T> task = new Task<>(step);
        synchronized (this) {
            if (last != null) {
                return CompletableFuture.failedFuture(new ClosedChannelException());
            }
            queue.add(task);
            if (running) {
                return task.result;
            }
            running = true;
        }
        runLoop();
        return task.result;
    }

    /**
     * Runs {@code step} now, on the calling thread and under this queue's lock, if no step is queued or running and
     * the queue is open: the fast path for work that needs no I/O. The step answers whether it did its work; false
     * (or a busy or shut queue) leaves the caller to {@link #submit} it. Other submitters wait for the lock
     * meanwhile, so the step must be short.
     */
    synchronized boolean runIfIdle(java.util.function.BooleanSupplier step) {
        return last == null && !running && step.getAsBoolean();
    }

    /** Queues {@code step} as the last one; every call returns the future of the first. */
    @SuppressWarnings("unchecked")
    <T> CompletableFuture<T> submitLast(Supplier<CompletableFuture<T>> step) {
        Task<T> task = new Task<>(step);
        synchronized (this) {
            if (last != null) {
                return (CompletableFuture<T>) last;
            }
            last = task.result;
            queue.add(task);
            if (running) {
                return task.result;
            }
            running = true;
        }
        runLoop();
        return task.result;
    }

    private void runLoop() {
        while (true) {
            Task<?> task;
            synchronized (this) {
                task = queue.poll();
                if (task == null) {
                    running = false;
                    return;
                }
            }
            CompletableFuture<?> f = task.start();
            if (!f.isDone()) {
                f.whenComplete((v, e) -> {
                    task.finish(v, e);
                    runLoop();
                });
                return;
            }
            Object value = null;
            Throwable error = null;
            try {
                value = f.join();
            } catch (Throwable e) {
                error = e;
            }
            task.finish(value, error);
        }
    }
}
