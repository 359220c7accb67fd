package io.ringfile.internal;

import io.netty.util.HashedWheelTimer;
import io.netty.util.Timeout;
import io.netty.util.concurrent.DefaultThreadFactory;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * An engine's operation deadlines, on one timer thread (Netty's {@link HashedWheelTimer}, 10 ms ticks) started at
 * the first deadline and stopped with the engine. Scheduling and cancelling are O(1) and take no lock; each deadline
 * is one small object, made only where a timeout applies.
 */
final class Deadlines {
    private final String engine;
    private final ThreadFactory threads;
    private volatile HashedWheelTimer timer;
    private boolean stopped; // guarded by this

    Deadlines(String engine, String threadPrefix, ThreadFactory threads) {
        this.engine = engine;
        this.threads = threads != null ? threads : new DefaultThreadFactory(threadPrefix + "-timer", true);
    }

    /**
     * Fails {@code future} with a {@link TimeoutException} naming {@code what} if it has no outcome {@code nanos}
     * from now, then runs {@code onTimeout} (the cancel of the operation behind it). Returns the deadline, for
     * {@link Timeout#cancel()} once the outcome arrives, or null where none applies ({@code nanos} 0, engine closed).
     */
    Timeout watch(CompletableFuture<?> future, long nanos, String what, Runnable onTimeout) {
        HashedWheelTimer t = timer();
        if (t == null) {
            return null;
        }
        try {
            return t.newTimeout(timeout -> {
                if (!future.isDone() && future.completeExceptionally(new TimeoutException("Ringfile engine '"
                        + engine + "': " + what + " had no outcome within " + format(nanos)))) {
                    onTimeout.run();
                }
            }, nanos, TimeUnit.NANOSECONDS);
        } catch (IllegalStateException e) { // stopped meanwhile: the engine is closing, which ends every operation
            return null;
        }
    }

    private HashedWheelTimer timer() {
        HashedWheelTimer t = timer;
        if (t != null) {
            return t;
        }
        synchronized (this) {
            if (timer == null && !stopped) {
                timer = new HashedWheelTimer(threads, 10, TimeUnit.MILLISECONDS, 512);
            }
            return timer;
        }
    }

    /** Stops the timer thread; deadlines not yet due are dropped (the engine's shutdown ends their operations). */
    synchronized void stop() {
        stopped = true;
        if (timer != null) {
            timer.stop();
            timer = null;
        }
    }

    private static String format(long nanos) {
        return nanos % 1_000_000_000L == 0 ? nanos / 1_000_000_000L + " s"
                : nanos % 1_000_000L == 0 ? nanos / 1_000_000L + " ms" : nanos + " ns";
    }
}
