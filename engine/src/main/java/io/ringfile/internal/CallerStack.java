package io.ringfile.internal;

/**
 * Bounds the stack that futures handed back already complete can build up. In a recursive chain such as
 * {@code loop(i) = engine.readAllBytes(p).thenCompose(b -> loop(i + 1))}, a complete future runs each next stage
 * inside the call that attached it, so the stack grows with every round; an operation that completes later runs
 * the rest of the chain on another stack. Every {@value #CHECK_EVERY}th call on a thread looks at how deep its stack
 * is, and past {@value #DEEPEST} frames that call goes the asynchronous way.
 */
final class CallerStack {
    // A walk of a server's stack (100-200 frames under an event loop's handlers) costs tens of microseconds: at
    // every 32nd call it took 10% of an epoll loop serving 4 KiB files. Every 64th let recursive chains of reads
    // overflow test threads' stacks in a clean build on JDK 25 (cold code has larger frames). So did 1,024 frames
    // as the deepest, once in a full run on JDK 25: a chain grows by 32 rounds between walks, and interpreted
    // frames of CompletableFuture fill a 1 MiB stack at about 1,200 frames.
    private static final int CHECK_EVERY = 32;
    private static final int DEEPEST = 512;
    private static final ThreadLocal<int[]> CALLS = ThreadLocal.withInitial(() -> new int[1]);
    private static final StackWalker WALKER = walker();

    private CallerStack() {
    }

    /** JDK 22's DROP_METHOD_INFO: frames are counted, never described, which halves the cost of a walk. */
    private static StackWalker walker() {
        try {
            return StackWalker.getInstance(java.util.Set.of(StackWalker.Option.valueOf("DROP_METHOD_INFO")));
        } catch (IllegalArgumentException beforeJdk22) {
            return StackWalker.getInstance();
        }
    }

    /** Whether the calling thread may be handed back a future that is already complete. */
    static boolean mayCompleteHere() {
        int[] calls = CALLS.get();
        if (++calls[0] % CHECK_EVERY != 0) {
            return true;
        }
        return WALKER.walk(frames -> frames.skip(DEEPEST).findFirst().isEmpty());
    }
}
