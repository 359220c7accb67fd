package io.ringfile;

import java.nio.file.OpenOption;

/**
 * Open options of Ringfile's own, beside {@link java.nio.file.StandardOpenOption} and
 * {@link java.nio.file.LinkOption}. Only {@link FileEngine#open} and {@link AsyncFiles#open} take them.
 */
public enum RingfileOpenOption implements OpenOption {
    /**
     * Open only a regular file: a directory, FIFO, socket or device fails the open with a
     * {@link java.nio.file.FileSystemException} whose reason is "Not a regular file", and the open never waits for
     * the other side of a FIFO (where the JDK's open of a FIFO waits for a writer or a reader). For a server that
     * opens names it was asked for, so that a FIFO or device someone left in its tree cannot hang a request.
     *
     * <p>How: on the io_uring backend the open is made without waiting ({@code O_NONBLOCK}) and the opened
     * descriptor's type is checked before the file is handed out; a device is therefore opened, and closed at once,
     * before it is refused. Where that first attempt would be made by a kernel worker (a name the kernel must read
     * from disk, a FUSE or network file system) the name's attributes are read first as well. The NIO backend, whose
     * JDK open cannot be made without waiting, reads the name's attributes just before it opens: a FIFO put in the
     * file's place between the two is opened the JDK's way.
     */
    REGULAR_FILE_ONLY,

    /**
     * Follow no symbolic link anywhere on the path: a link as any component, a directory as much as the file, fails
     * the open with a {@link java.nio.file.FileSystemException} whose reason begins "Too many levels of symbolic
     * links" (as {@link java.nio.file.LinkOption#NOFOLLOW_LINKS} reports a link as the last component). The check
     * and the open are one step, so a directory swapped for a link while the open is under way cannot lead it
     * elsewhere. For a server that opens names under a root of its own: with the root given as its real path and
     * no {@code ..} in the names, the open cannot leave the root. The components of the working directory of a
     * relative path are not checked; {@code ..} is allowed and goes up one directory, never through a link.
     *
     * <p>How: on the io_uring backend {@code openat2(2)} with {@code RESOLVE_NO_SYMLINKS} (Linux 5.6). The NIO
     * backend walks the path one directory at a time, each opened relative to the one before it without following
     * a link ({@link java.nio.file.SecureDirectoryStream}), and opens the file relative to the last: each directory
     * on the path must then be readable, not only searchable, and the open file's attributes are read by name the
     * same way. Where the file system has no {@code SecureDirectoryStream} the open fails with
     * {@link UnsupportedOperationException}.
     */
    NO_SYMLINKS
}
