package io.ringfile.internal;

import java.util.concurrent.Executor;
import java.util.function.LongFunction;

/** An op whose value is a function of the backend's result (a size, nothing, the file itself). */
final class ValueOp<T> extends Op<T> {
    static final LongFunction<Long> SIZE = Long::valueOf;
    static final LongFunction<Void> NOTHING = result -> null;

    private final LongFunction<T> mapper;
    private final Metrics metrics;
    private final int kind;
    /** For the JFR event: the file and what the op does (the path's text is made only for an event). */
    private java.nio.file.Path path;
    private String operation;

    /** An op of {@code kind} counted in {@code metrics} (null: not counted), completing on {@code completer}. */
    ValueOp(Executor completer, Metrics metrics, int kind, LongFunction<T> mapper) {
        super(completer);
        this.mapper = mapper;
        this.metrics = metrics;
        this.kind = kind;
        begin();
    }

    /** Names the file and what the op does, for its JFR event. Before the op starts. */
    ValueOp<T> about(java.nio.file.Path path, String operation) {
        this.path = path;
        this.operation = operation;
        return this;
    }

    @Override
    Metrics metrics() {
        return metrics;
    }

    @Override
    int kind() {
        return kind;
    }

    @Override
    String eventPath() {
        return path == null ? null : path.toString();
    }

    @Override
    String eventOperation() {
        return operation;
    }

    @Override
    T value(long result) {
        return mapper.apply(result);
    }
}
