package io.ringfile.vertx;

import java.io.IOException;
import java.nio.file.AccessDeniedException;
import java.nio.file.FileSystemException;
import java.nio.file.NotDirectoryException;

/**
 * Gives back the exceptions the JDK raises where the engine raises more specific ones, so that this module's
 * failures carry the causes {@code vertx.fileSystem()} gives (its operations are {@code java.nio.file.Files} calls).
 * The engine deliberately types two errors the JDK leaves as a plain {@link FileSystemException} with the system's
 * message: EPERM ({@link AccessDeniedException} "Operation not permitted") and ENOTDIR
 * ({@link NotDirectoryException}); both are undone here, as is the path it adds to a read's "Is a directory".
 */
final class JdkFailures {
    private static final String EPERM = "Operation not permitted";
    private static final String ENOTDIR = "Not a directory";
    private static final String EISDIR = "Is a directory";

    private JdkFailures() {
    }

    /** {@code error} as the JDK would have raised it, for an operation that opens, stats or changes paths. */
    static Throwable asJdk(Throwable error) {
        if (error instanceof AccessDeniedException && EPERM.equals(((AccessDeniedException) error).getReason())) {
            AccessDeniedException denied = (AccessDeniedException) error;
            return new FileSystemException(denied.getFile(), denied.getOtherFile(), EPERM);
        }
        if (error.getClass() == NotDirectoryException.class) {
            // The JDK raises NotDirectoryException only when it opens a directory stream, which no operation here does.
            return new FileSystemException(((NotDirectoryException) error).getFile(), null, ENOTDIR);
        }
        return error;
    }

    /**
     * As {@link #asJdk(Throwable)}, for a read: the JDK reports EISDIR from read(2) as a bare {@link IOException}
     * with the system's message, without the path.
     */
    static Throwable asJdkRead(Throwable error) {
        if (error.getClass() == FileSystemException.class && EISDIR.equals(((FileSystemException) error).getReason())) {
            return new IOException(EISDIR);
        }
        return asJdk(error);
    }
}
