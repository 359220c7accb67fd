package io.ringfile.nativetest;

import io.ringfile.AsyncFile;
import io.ringfile.ContractSupport;
import io.ringfile.FileEngine;
import org.junit.jupiter.api.Assumptions;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/** Engines and bounded waits for the in-process native tests. */
final class Engines {
    /** Bound on any single wait: longer means hung. */
    static final long WAIT_SECONDS = 60;

    private Engines() {
    }

    /** An engine on exactly {@code backend}; skips the test where io_uring cannot run. */
    static FileEngine start(FileEngine.Backend backend) {
        return start(FileEngine.builder().backend(backend));
    }

    static FileEngine start(FileEngine.Builder builder) {
        try {
            return builder.build();
        } catch (UnsupportedOperationException e) {
            Assumptions.abort("io_uring cannot run here: " + e.getMessage());
            throw e;
        }
    }

    /** Waits for an open and wraps the file so that closing it is bounded (see {@link BoundedFile}). */
    static AsyncFile open(CompletableFuture<AsyncFile> opening) {
        return BoundedFile.wrap(await(opening));
    }

    static <T> T await(CompletableFuture<T> future) {
        return ContractSupport.await(future);
    }

    /** The exception {@code future} fails with; fails the test if it succeeds or hangs. */
    static Throwable failure(CompletableFuture<?> future) {
        return ContractSupport.failure(future);
    }

    /** How a future ended: its value, or the exception it failed with (never a hang: that fails the test). */
    static final class Outcome<T> {
        final T value;
        final Throwable error;

        private Outcome(T value, Throwable error) {
            this.value = value;
            this.error = error;
        }
    }

    static <T> Outcome<T> outcome(CompletableFuture<T> future) {
        try {
            return new Outcome<>(future.get(WAIT_SECONDS, TimeUnit.SECONDS), null);
        } catch (ExecutionException e) {
            return new Outcome<>(null, e.getCause());
        } catch (InterruptedException | TimeoutException e) {
            throw new AssertionError("future did not complete", e);
        }
    }

    static <T extends Throwable> T failsWith(Class<T> type, CompletableFuture<?> future) {
        return ContractSupport.failsWith(type, future);
    }
}
