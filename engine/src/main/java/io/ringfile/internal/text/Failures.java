package io.ringfile.internal.text;

import java.io.IOException;
import java.io.InterruptedIOException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.function.Supplier;

/** Exception helpers shared by the text classes. */
final class Failures {
    private Failures() {
    }

    /** The exception a stage failed with, without the {@code CompletionException} wrapper dependents add. */
    static Throwable unwrap(Throwable error) {
        Throwable e = error;
        while ((e instanceof CompletionException || e instanceof ExecutionException) && e.getCause() != null) {
            e = e.getCause();
        }
        return e;
    }

    /** Runs {@code call}, turning an exception it throws into a failed future. */
    static <T> CompletableFuture<T> guard(Supplier<CompletableFuture<T>> call) {
        try {
            return call.get();
        } catch (Throwable e) {
            return CompletableFuture.failedFuture(e);
        }
    }

    /** Waits for a close, rethrowing its failure as {@code close()} would. */
    static void awaitClose(CompletableFuture<Void> closing) throws IOException {
        try {
            closing.get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new InterruptedIOException("interrupted while closing");
        } catch (ExecutionException e) {
            Throwable cause = unwrap(e);
            if (cause instanceof IOException) {
                throw (IOException) cause;
            }
            if (cause instanceof RuntimeException) {
                throw (RuntimeException) cause;
            }
            if (cause instanceof Error) {
                throw (Error) cause;
            }
            throw new IOException(cause);
        }
    }
}
