package io.ringfile.internal.uring;

import io.netty.util.concurrent.EventExecutor;

/**
 * Knows the threads that run io_uring rings, of every engine in the JVM. A ring thread must never block waiting for
 * an operation of a ring: that completion is delivered by a ring thread, possibly the very one that waits, and while
 * it waits every file on its ring stalls.
 */
public final class RingThreads {
    private static final ThreadLocal<EventExecutor> LOOP = new ThreadLocal<>();

    private RingThreads() {
    }

    /** Marks the calling thread, the thread of {@code loop}, which runs a ring, for the life of the thread. */
    static void markCurrent(EventExecutor loop) {
        LOOP.set(loop);
    }

    /**
     * Marks the threads of every loop of {@code group}, whose futures complete on those loops whatever backend runs
     * the I/O: a blocking wait there could wait for a task the loop itself must run. Waits for the marks.
     */
    public static void markLoops(io.netty.channel.EventLoopGroup group) {
        for (EventExecutor loop : group) {
            loop.submit(() -> markCurrent(loop)).syncUninterruptibly();
        }
    }

    /** True on a thread that runs an io_uring ring of any engine. */
    public static boolean isCurrent() {
        return LOOP.get() != null;
    }

    /** The event loop whose thread calls, if it runs a ring of any engine; else null. */
    public static EventExecutor currentLoop() {
        return LOOP.get();
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
