package io.ringfile.internal.text;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Flow;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;

/**
 * A subscription that pulls items from an asynchronous source only while the subscriber has demand, following the
 * rules of {@link java.util.concurrent.Flow} (Reactive Streams 1.0.x).
 *
 * <p>All signals to the subscriber come from one drain loop, entered by whoever changes the state (request, cancel,
 * the end of a load) and run by one thread at a time; a thread that finds the loop busy leaves its work to the
 * running one. So signals are serialized, a {@code request} made inside {@code onNext} does not recurse, and at
 * most one {@link #load()} is in flight. A load starts only when there is outstanding demand and {@link #poll()}
 * has nothing ready, which bounds how far the source reads ahead.
 *
 * @param <T> the item type
 */
abstract class PullSubscription<T> implements Flow.Subscription {
    /** {@link #poll()} answer: nothing ready; {@link #load()} makes progress. */
    static final Object NEED = new Object();
    /** {@link #poll()} answer: no more items; the subscriber is completed. */
    static final Object END = new Object();

    /** {@link #poll()} answer: the source failed. */
    static final class Failed {
        final Throwable error;

        Failed(Throwable error) {
            this.error = error;
        }
    }

    private final Flow.Subscriber<? super T> subscriber;
    private final AtomicInteger wip = new AtomicInteger();
    private final AtomicLong requested = new AtomicLong();
    private final AtomicReference<Throwable> error = new AtomicReference<>();
    private volatile boolean cancelled;
    private volatile boolean loading;
    // touched only inside the drain loop
    private boolean terminated;
    private CompletableFuture<?> released;

    PullSubscription(Flow.Subscriber<? super T> subscriber) {
        this.subscriber = subscriber;
    }

    /** Whether the source can be polled (false while it is being opened). */
    abstract boolean ready();

    /** The next item, {@link #NEED}, {@link #END} or a {@link Failed}. Called only with demand and no load. */
    abstract Object poll();

    /**
     * Without taking an item or doing I/O: {@link #END} if no item is left, a {@link Failed} if the next poll would
     * fail, null if that is not known yet. Lets the subscription end without outstanding demand (rule 1.4).
     */
    abstract Object peekEnd();

    /** Starts work after which {@link #poll()} can make progress; a failed future fails the subscription. */
    abstract CompletableFuture<?> load();

    /** Releases the source's resources; called once, after the end, an error or cancellation. */
    abstract CompletableFuture<?> release();

    /** Calls {@code onSubscribe}; subclasses then start opening their source. */
    final void start() {
        // Held while onSubscribe runs: a load that completes on another thread meanwhile must not signal onNext
        // before onSubscribe has returned (rule 1.3); what was asked for meanwhile is drained after it.
        wip.incrementAndGet();
        try {
            subscriber.onSubscribe(this);
        } catch (Throwable e) { // rule 2.13: the subscriber broke the protocol; treat it as cancelled
            cancel();
        }
        int missed = wip.decrementAndGet();
        while (missed != 0) {
            drainOnce();
            missed = wip.addAndGet(-missed);
        }
    }

    final boolean isCancelled() {
        return cancelled;
    }

    /** Fails the subscription with {@code e} (the first failure wins). */
    final void fail(Throwable e) {
        error.compareAndSet(null, Failures.unwrap(e));
        drain();
    }

    @Override
    public final void request(long n) {
        if (n <= 0) {
            fail(new IllegalArgumentException("non-positive request " + n + " (Reactive Streams rule 3.9)"));
            return;
        }
        requested.getAndAccumulate(n, (current, add) -> {
            long sum = current + add;
            return sum < 0 ? Long.MAX_VALUE : sum;
        });
        drain();
    }

    @Override
    public final void cancel() {
        cancelled = true;
        drain();
    }

    final void drain() {
        if (wip.getAndIncrement() != 0) {
            return;
        }
        int missed = 1;
        while (true) {
            drainOnce();
            missed = wip.addAndGet(-missed);
            if (missed == 0) {
                return;
            }
        }
    }

    @SuppressWarnings("unchecked")
    private void drainOnce() {
        while (!terminated) {
            if (cancelled) {
                terminated = true;
                releaseOnce();
                return;
            }
            Throwable failure = error.get();
            if (failure != null) {
                terminate(failure);
                return;
            }
            if (loading || !ready()) {
                return;
            }
            if (requested.get() == 0) { // no item may go out, but the end may be known already
                Object end;
                try {
                    end = peekEnd();
                } catch (Throwable e) {
                    end = new Failed(e);
                }
                if (end == END) {
                    terminate(null);
                } else if (end instanceof Failed) {
                    terminate(((Failed) end).error);
                }
                return;
            }
            Object next;
            try {
                next = poll();
            } catch (Throwable e) {
                terminate(e);
                return;
            }
            if (next == END) {
                terminate(null);
                return;
            }
            if (next instanceof Failed) {
                terminate(((Failed) next).error);
                return;
            }
            if (next == NEED) {
                loading = true;
                Failures.guard(this::load).whenComplete((v, e) -> {
                    if (e != null) {
                        error.compareAndSet(null, Failures.unwrap(e));
                    }
                    loading = false;
                    drain();
                });
                continue; // a load that completed at once is picked up here; otherwise the loop stops at 'loading'
            }
            if (requested.get() != Long.MAX_VALUE) {
                requested.decrementAndGet();
            }
            try {
                subscriber.onNext((T) next);
            } catch (Throwable e) { // rule 2.13: treat the subscription as cancelled
                cancelled = true;
            }
        }
    }

    /** Ends the subscription: releases the source, then signals onComplete ({@code failure} null) or onError. */
    private void terminate(Throwable failure) {
        terminated = true;
        releaseOnce().whenComplete((v, e) -> {
            try {
                if (failure == null) {
                    subscriber.onComplete();
                } else {
                    subscriber.onError(failure);
                }
            } catch (Throwable ignored) {
                // rule 2.13: nothing more to signal
            }
        });
    }

    private CompletableFuture<?> releaseOnce() {
        if (released == null) {
            released = Failures.guard(this::release);
        }
        return released;
    }
}
