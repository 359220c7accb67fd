package io.ringfile.internal.uring;

/**
 * Knows the threads that run io_uring rings, of every engine in the JVM. A ring thread must never block waiting for
 * an operation of a ring: that completion is delivered by a ring thread, possibly the very one that waits, and while
 * it waits every file on its ring stalls.
 */
public final class RingThreads {
    private static final ThreadLocal<Boolean> RING = new ThreadLocal<>();

    private RingThreads() {
    }

    /** Marks the calling thread, a ring's event-loop thread, for the life of the thread. */
    static void markCurrent() {
        RING.set(Boolean.TRUE);
    }

    /** True on a thread that runs an io_uring ring of any engine. */
    public static boolean isCurrent() {
        return RING.get() != null;
    }

    /**
     * Refuses a blocking wait on a ring thread.
     *
     * @param what the call that would have waited, for the message
     * @throws IllegalStateException on a ring thread
     */
    public static void checkMayBlock(String what) {
        if (isCurrent()) {
            throw new IllegalStateException(what + " would block an io_uring thread, which must deliver the very "
                    + "completion it would wait for; chain a dependent stage or use the asynchronous form instead");
        }
    }
}
