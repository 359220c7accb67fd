package io.ringfile.internal;

import io.ringfile.EngineOverloadedException;

import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.LongAdder;

/**
 * An engine's bound on operations under way (in flight plus waiting). Any thread, no lock: a compare-and-set to
 * enter, an atomic add to leave. Which of those under way are in flight is the backends' business (a ring's slots, the pool's
 * threads); this only keeps their sum within {@code maxInFlight + maxQueued}.
 */
final class Admission {
    private final String engine;
    private final int maxInFlight;
    private final int maxQueued;
    private final long limit;
    private final AtomicInteger underWay = new AtomicInteger();
    private final LongAdder rejected = new LongAdder();

    Admission(String engine, int maxInFlight, int maxQueued) {
        this.engine = engine;
        this.maxInFlight = maxInFlight;
        this.maxQueued = maxQueued;
        this.limit = Math.min(Integer.MAX_VALUE - 1, (long) maxInFlight + maxQueued);
    }

    /**
     * Takes a place for one operation, or counts a refusal and returns false. A compare-and-set, so that the count
     * never passes the limit, not even for a moment (an increment taken back would show in the gauge).
     */
    boolean enter() {
        for (;;) {
            int now = underWay.get();
            if (now >= limit) {
                rejected.increment();
                return false;
            }
            if (underWay.compareAndSet(now, now + 1)) {
                return true;
            }
        }
    }

    /** Gives back the place of an operation that has ended. */
    void exit() {
        underWay.getAndDecrement();
    }

    /** What a refused call fails with. */
    EngineOverloadedException refusal() {
        return new EngineOverloadedException(engine, maxInFlight, maxQueued);
    }

    int underWay() {
        return Math.max(0, underWay.get());
    }

    long rejected() {
        return rejected.sum();
    }
}
