package io.ringfile;

import java.nio.file.OpenOption;
import java.time.Duration;
import java.util.Objects;

/**
 * An open option giving every operation on the opened {@link AsyncFile} a deadline, in place of the engine's
 * {@linkplain FileEngine.Builder#operationTimeout(Duration) operation timeout}:
 * {@code engine.open(path, READ, OperationTimeout.of(Duration.ofSeconds(2)))}. Only {@link FileEngine#open} and
 * {@link AsyncFiles#open} take it.
 *
 * <p>A read, write, force, size or truncate of that file that has no outcome within the duration fails with
 * {@link java.util.concurrent.TimeoutException}; see {@link FileEngine.Builder#operationTimeout(Duration)} for what
 * happens to the operation itself.
 */
public final class OperationTimeout implements OpenOption {
    private final Duration duration;

    private OperationTimeout(Duration duration) {
        this.duration = duration;
    }

    /**
     * A deadline of {@code duration} for each operation; {@link Duration#ZERO} for none (the engine's own timeout
     * then does not apply either).
     *
     * @param duration how long each operation may take; not negative
     * @return the option
     * @throws IllegalArgumentException if {@code duration} is negative
     */
    public static OperationTimeout of(Duration duration) {
        if (Objects.requireNonNull(duration, "duration").isNegative()) {
            throw new IllegalArgumentException("negative timeout: " + duration);
        }
        return new OperationTimeout(duration);
    }

    /**
     * How long each operation may take; zero for no limit.
     *
     * @return the duration
     */
    public Duration duration() {
        return duration;
    }

    @Override
    public boolean equals(Object other) {
        return other instanceof OperationTimeout && ((OperationTimeout) other).duration.equals(duration);
    }

    @Override
    public int hashCode() {
        return duration.hashCode();
    }

    @Override
    public String toString() {
        return "OperationTimeout[" + duration + "]";
    }
}
