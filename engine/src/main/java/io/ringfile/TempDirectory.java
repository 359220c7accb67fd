package io.ringfile;

import java.io.IOException;
import java.nio.file.Path;
import java.util.concurrent.CompletableFuture;

/**
 * A temporary directory that deletes itself, with everything inside, when closed (aiofiles' TemporaryDirectory).
 * Symbolic links inside are deleted, never followed. Thread-safe; closing is idempotent.
 */
public interface TempDirectory extends AutoCloseable {

    /**
     * The directory.
     *
     * @return the directory's path
     */
    Path path();

    /**
     * Deletes the directory tree; every call returns the same future.
     *
     * @return the future of the deletion
     */
    CompletableFuture<Void> closeAsync();

    /**
     * Deletes the directory tree and waits for it.
     *
     * @throws IOException if the tree could not be deleted: the exception {@link #closeAsync()}'s future failed with
     */
    @Override
    void close() throws IOException;
}
