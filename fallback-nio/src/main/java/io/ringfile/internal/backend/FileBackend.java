package io.ringfile.internal.backend;

import java.nio.file.Path;
import java.util.concurrent.CompletableFuture;

/**
 * A way of doing file I/O: the io_uring rings or the NIO thread pool. The engine drives exactly one backend for its
 * file operations and validates every argument before it calls in.
 *
 * <p>Futures returned here complete on backend threads; the engine moves user-visible completions off them.
 */
public interface FileBackend {

    /** Short name for logs and reports, such as {@code "io_uring"} or {@code "nio"}. */
    String name();

    /** Opens a file as {@code spec} describes; fails with the {@code java.nio.file} exception for the error. */
    CompletableFuture<BackendFile> open(OpenSpec spec);

    /** The size of the file at {@code path}, following symbolic links. */
    CompletableFuture<Long> size(Path path);

    /**
     * Stops the backend: files still open are closed, accepted operations complete or fail, threads end. Waits at
     * most {@code timeoutMillis} for the kernel to finish operations in flight; operations still running then are
     * {@linkplain Completion#abandoned abandoned}. Idempotent.
     */
    CompletableFuture<Void> shutdown(long timeoutMillis);
}
