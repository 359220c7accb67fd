package io.ringfile.bench;

import java.nio.channels.CompletionHandler;
import java.util.function.BiConsumer;

/**
 * Receives the outcome of one asynchronous operation from either API: as a {@link BiConsumer} for Ringfile's
 * {@code CompletableFuture}s and as a {@link CompletionHandler} for {@code AsynchronousFileChannel}. One object is
 * reused for every operation of a slot, so the benchmark harness allocates nothing per operation.
 */
abstract class Callback implements BiConsumer<Object, Throwable>, CompletionHandler<Integer, Object> {

    /** {@code result}: bytes transferred (or -1 at end of file) for reads and writes, 0 for fsync. */
    abstract void done(int result, Throwable error);

    @Override
    public final void accept(Object value, Throwable error) {
        done(value instanceof Integer ? (Integer) value : 0, error);
    }

    @Override
    public final void completed(Integer result, Object attachment) {
        done(result, null);
    }

    @Override
    public final void failed(Throwable error, Object attachment) {
        done(0, error);
    }
}
