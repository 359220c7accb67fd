package io.ringfile.internal;

import java.util.concurrent.atomic.AtomicInteger;

/**
 * A short busy wait before a blocked caller parks. Waking a parked thread costs tens of microseconds on a virtual
 * machine whose idle CPU halted, several times a page-cache read; a caller that spins briefly catches a fast
 * completion without that wake-up.
 *
 * <p>Callers spin only while fewer callers are blocked than there are processors: with more, the CPUs are busy
 * anyway and a spinner would only take time from the I/O threads. Virtual threads never spin (parking them is cheap
 * and their carrier is shared).
 */
final class Spinning {
    private static final long SPIN_NANOS = 50_000;
    private static final long YIELD_MASK = 255;
    private static final int MAX_SPINNERS = Runtime.getRuntime().availableProcessors() - 1;
    private static final AtomicInteger BLOCKED = new AtomicInteger();

    private Spinning() {
    }

    /**
     * Registers the calling thread as blocked; true when it may spin first: a platform thread, and few enough
     * callers blocked that a CPU would otherwise idle. Pair with {@link #unblocked()}.
     */
    static boolean blocked() {
        int now = BLOCKED.incrementAndGet();
        return now <= MAX_SPINNERS && !VirtualThreads.isVirtual(Thread.currentThread());
    }

    /** The caller registered by {@link #blocked()} stopped waiting. */
    static void unblocked() {
        BLOCKED.decrementAndGet();
    }

    /**
     * Round {@code round} (from 1) of a spin that began at {@code startNanos}; false once the caller should park
     * instead. Yields every few rounds, in case the thread it waits for shares its CPU.
     */
    static boolean spinOnce(long startNanos, int round) {
        if ((round & YIELD_MASK) == 0) {
            Thread.yield();
        } else {
            Thread.onSpinWait();
        }
        return System.nanoTime() - startNanos < SPIN_NANOS;
    }
}
