package io.ringfile.internal;

import io.netty.util.concurrent.FastThreadLocalThread;
import io.ringfile.internal.uring.RingThreads;

/** Which callers' threads may wait in a system call made for them. */
final class CallerThreads {
    private CallerThreads() {
    }

    /**
     * True on a platform thread that runs no event loop Ringfile knows of: not a ring's or a shared group's loop,
     * not a thread of Netty's (its event loops, and Vert.x's, run on {@link FastThreadLocalThread}s), not virtual
     * (a wait in a system call would hold its carrier).
     */
    static boolean mayWait() {
        Thread current = Thread.currentThread();
        return !(current instanceof FastThreadLocalThread) && !VirtualThreads.isVirtual(current)
                && !RingThreads.isCurrent();
    }
}
