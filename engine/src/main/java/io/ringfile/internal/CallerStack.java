package io.ringfile.internal;

/**
 * Bounds the stack that futures handed back already complete can build up. In a recursive chain such as
 * {@code loop(i) = engine.readAllBytes(p).thenCompose(b -> loop(i + 1))}, a complete future runs each next stage
 * inside the call that attached it, so the stack grows with every round; an operation that completes later runs
 * the rest of the chain on another stack.
 *
 * <p>Two bounds, per thread. Stages attached to done {@link EngineFuture}s (every future the engine hands out and
 * every stage derived from one) count themselves while they run ({@link #nest()}): past {@value #DEEPEST_NESTING}
 * of them inside one another, a call goes the asynchronous way. That is exact and nearly free, and it covers every
 * chain made of the engine's futures. A chain that passes through other futures ({@code CompletableFuture.allOf}
 * of engine futures, say) is not counted: for those, every {@value #CHECK_EVERY}th call looks at how deep the stack
 * is, and past {@value #DEEPEST} frames that call goes the asynchronous way.
 */
final class CallerStack {
    // A nesting is about 5 to 10 frames (the attaching call, CompletableFuture's, the caller's lambda and method, the
    // engine's call): 32 of them stay under 512 frames. Nothing in one request of a server nests that deep.
    private static final int DEEPEST_NESTING = 32;
    // A walk of a server's stack (100-200 frames under an event loop's handlers) costs tens of microseconds: at
    // every 32nd call it took 10% of an epoll loop serving 4 KiB files, 2.6% of the shared io_uring loop's CPU on
    // JDK 25 with DROP_METHOD_INFO. With chains of engine futures counted, the walk is only for other chains.
    // Interpreted frames of CompletableFuture fill a 1 MiB stack at about 1,200 frames.
    private static final int CHECK_EVERY = 128;
    private static final int DEEPEST = 512;
    private static final int CALLS = 0;
    private static final int NESTING = 1;
    private static final ThreadLocal<int[]> STATE = ThreadLocal.withInitial(() -> new int[2]);
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
        int[] state = STATE.get();
        if (state[NESTING] >= DEEPEST_NESTING) {
            return false;
        }
        if (++state[CALLS] % CHECK_EVERY != 0) {
            return true;
        }
        return WALKER.walk(frames -> frames.skip(DEEPEST).findFirst().isEmpty());
    }

    /**
     * A stage of an engine future starts to run inside the call that attached it, on this thread; pass the result to
     * {@link #unnest} when that call returns, however it returns.
     */
    static int[] nest() {
        int[] state = STATE.get();
        state[NESTING]++;
        return state;
    }

    /** The call that {@link #nest()} returned {@code state} for has returned; null: nothing was counted. */
    static void unnest(int[] state) {
        if (state != null) {
            state[NESTING]--;
        }
    }
}
