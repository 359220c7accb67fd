package io.ringfile.internal;

import java.util.concurrent.Executor;
import java.util.function.LongFunction;

/** An op whose value is a function of the backend's result (a size, nothing, the file itself). */
final class ValueOp<T> extends Op<T> {
    static final LongFunction<Long> SIZE = Long::valueOf;
    static final LongFunction<Void> NOTHING = result -> null;

    private final LongFunction<T> mapper;

    ValueOp(Executor completer, Metrics metrics, int kind, LongFunction<T> mapper) {
        super(completer, metrics, kind);
        this.mapper = mapper;
    }

    @Override
    T value(long result) {
        return mapper.apply(result);
    }
}
