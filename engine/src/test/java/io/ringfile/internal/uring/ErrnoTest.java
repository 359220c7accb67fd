package io.ringfile.internal.uring;

import org.junit.jupiter.api.Test;

import java.nio.channels.AsynchronousCloseException;
import java.nio.file.AccessDeniedException;
import java.nio.file.DirectoryNotEmptyException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.FileSystemException;
import java.nio.file.NoSuchFileException;
import java.nio.file.NotDirectoryException;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;

/**
 * The errno table of the io_uring backend, row by row. The contract suite provokes most rows with real files;
 * this covers the rows no file operation of the core API can reach (ENOTEMPTY, ENOSPC, EIO).
 */
class ErrnoTest {
    private static final String FILE = "/some/path";

    @Test
    void specificErrnosMapToTheirJdkExceptionsWithThePath() {
        assertEquals(FILE, assertInstanceOf(NoSuchFileException.class, Errno.exception(2, FILE)).getFile());
        assertEquals(FILE, assertInstanceOf(AccessDeniedException.class, Errno.exception(13, FILE)).getFile());
        assertEquals(FILE, assertInstanceOf(AccessDeniedException.class, Errno.exception(1, FILE)).getFile());
        assertEquals(FILE, assertInstanceOf(FileAlreadyExistsException.class, Errno.exception(17, FILE)).getFile());
        assertEquals(FILE, assertInstanceOf(DirectoryNotEmptyException.class, Errno.exception(39, FILE)).getFile());
        assertEquals(FILE, assertInstanceOf(NotDirectoryException.class, Errno.exception(20, FILE)).getFile());
        assertInstanceOf(AsynchronousCloseException.class, Errno.exception(125, FILE));
    }

    @Test
    void otherErrnosAreFileSystemExceptionsWithTheSystemMessage() {
        assertMessage(21, "Is a directory");
        assertMessage(28, "No space left on device");
        assertMessage(5, "Input/output error");
        assertMessage(29, "Illegal seek");
        assertMessage(36, "File name too long");
        assertMessage(122, "Disk quota exceeded");
        assertMessage(4242, "errno 4242");
    }

    private static void assertMessage(int errno, String reason) {
        FileSystemException e = assertInstanceOf(FileSystemException.class, Errno.exception(errno, FILE));
        assertEquals(FileSystemException.class, e.getClass());
        assertEquals(FILE, e.getFile());
        assertEquals(reason, e.getReason());
        assertEquals(FILE + ": " + reason, e.getMessage());
    }
}
