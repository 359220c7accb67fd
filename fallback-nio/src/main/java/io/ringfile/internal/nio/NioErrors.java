package io.ringfile.internal.nio;

import java.io.IOException;
import java.nio.channels.AsynchronousCloseException;
import java.nio.channels.ClosedChannelException;
import java.nio.file.AccessDeniedException;
import java.nio.file.DirectoryNotEmptyException;
import java.nio.file.FileSystemException;
import java.nio.file.NotDirectoryException;
import java.nio.file.Path;

/**
 * Brings the JDK's exceptions in line with the io_uring backend's, so both backends raise the same types: errors
 * carry the path, EPERM, ENOTDIR and ENOTEMPTY get their specific types, and a channel closed under an accepted operation
 * reports {@link AsynchronousCloseException}.
 */
final class NioErrors {
    private NioErrors() {
    }

    static Throwable translate(Throwable error, Path path) {
        if (error instanceof ClosedChannelException) {
            return error instanceof AsynchronousCloseException ? error : withCause(new AsynchronousCloseException(), error);
        }
        if (error instanceof FileSystemException) {
            FileSystemException fse = (FileSystemException) error;
            String file = fse.getFile() != null ? fse.getFile() : path.toString();
            if ("Not a directory".equals(fse.getReason()) && fse.getClass() == FileSystemException.class) {
                return withCause(new NotDirectoryException(file), fse);
            }
            if ("Operation not permitted".equals(fse.getReason()) && fse.getClass() == FileSystemException.class) {
                return withCause(new AccessDeniedException(file, fse.getOtherFile(), fse.getReason()), fse);
            }
            if ("Directory not empty".equals(fse.getReason()) && fse.getClass() == FileSystemException.class) {
                return withCause(new DirectoryNotEmptyException(file), fse);
            }
            return fse;
        }
        if (error instanceof IOException) {
            return withCause(new FileSystemException(path.toString(), null, error.getMessage()), error);
        }
        return error;
    }

    private static <T extends Throwable> T withCause(T error, Throwable cause) {
        error.initCause(cause);
        return error;
    }
}
