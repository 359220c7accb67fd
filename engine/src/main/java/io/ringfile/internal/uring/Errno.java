package io.ringfile.internal.uring;

import io.ringfile.internal.backend.OpenSpec;


import java.io.IOException;
import java.nio.channels.AsynchronousCloseException;
import java.nio.file.AccessDeniedException;
import java.nio.file.DirectoryNotEmptyException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.FileSystemException;
import java.nio.file.NoSuchFileException;
import java.nio.file.NotDirectoryException;

/** Turns a negative io_uring result into the exception the JDK raises for the same errno. */
final class Errno {
    private Errno() {
    }

    static final int EPERM = 1;
    static final int ENOENT = 2;
    static final int EINTR = 4;
    static final int EAGAIN = 11;
    static final int E2BIG = 7;
    static final int ENOSYS = 38;
    static final int EACCES = 13;
    static final int EEXIST = 17;
    static final int EXDEV = 18;
    static final int ENOTDIR = 20;
    static final int EISDIR = 21;
    static final int EINVAL = 22;
    static final int ELOOP = 40;
    static final int ENOTEMPTY = 39;
    static final int ESPIPE = 29;
    static final int ENXIO = 6;
    static final int ECANCELED = 125;

    /** The exception for {@code errno} on {@code file} (a path, as the JDK puts it in messages). */
    static IOException exception(int errno, String file) {
        return exception(errno, file, null);
    }

    /**
     * The exception for a failed open. A symbolic link refused by O_NOFOLLOW (ELOOP) gets the reason
     * {@code FileChannel.open} gives (it throws a bare IOException with that message; here it names the path).
     */
    /**
     * As {@link #openFailure(int, String, boolean)} for {@code spec}'s open; a link met where
     * {@link OpenSpec#noSymlinks()} refuses links is worded so.
     */
    static IOException openFailure(int errno, OpenSpec spec) {
        if (errno == ELOOP && spec.noSymlinks()) {
            return new FileSystemException(spec.path().toString(), null, message(ELOOP) + " (NO_SYMLINKS specified)");
        }
        return openFailure(errno, spec.path().toString(), spec.noFollow());
    }

    static IOException openFailure(int errno, String file, boolean noFollow) {
        if (errno == ELOOP && noFollow) {
            return new FileSystemException(file, null, message(ELOOP) + " (NOFOLLOW_LINKS specified)");
        }
        return exception(errno, file);
    }

    /** As {@link #exception(int, String)} for an operation on two paths; {@code other} may be null. */
    static IOException exception(int errno, String file, String other) {
        switch (errno) {
            case ENOENT:
                return new NoSuchFileException(file, other, null);
            case EACCES:
            case EPERM:
                return new AccessDeniedException(file, other, message(errno));
            case EEXIST:
                return new FileAlreadyExistsException(file, other, null);
            case ENOTEMPTY:
                return new DirectoryNotEmptyException(file);
            case ENOTDIR:
                return new NotDirectoryException(file);
            case ECANCELED:
                return new AsynchronousCloseException();
            case ELOOP: // worded as the JDK words it
                return new FileSystemException(file, other,
                        message(errno) + " or unable to access attributes of symbolic link");
            default:
                return new FileSystemException(file, other, message(errno));
        }
    }

    /** strerror(3) text for the errors file I/O meets; others are named by number. */
    static String message(int errno) {
        switch (errno) {
            case 1: return "Operation not permitted";
            case 2: return "No such file or directory";
            case 4: return "Interrupted system call";
            case 5: return "Input/output error";
            case 6: return "No such device or address";
            case 9: return "Bad file descriptor";
            case 11: return "Resource temporarily unavailable";
            case 12: return "Cannot allocate memory";
            case 13: return "Permission denied";
            case 14: return "Bad address";
            case 16: return "Device or resource busy";
            case 17: return "File exists";
            case 18: return "Invalid cross-device link";
            case 19: return "No such device";
            case 20: return "Not a directory";
            case 21: return "Is a directory";
            case 22: return "Invalid argument";
            case 23: return "Too many open files in system";
            case 24: return "Too many open files";
            case 26: return "Text file busy";
            case 27: return "File too large";
            case 28: return "No space left on device";
            case 29: return "Illegal seek";
            case 30: return "Read-only file system";
            case 31: return "Too many links";
            case 32: return "Broken pipe";
            case 36: return "File name too long";
            case 38: return "Function not implemented";
            case 39: return "Directory not empty";
            case 40: return "Too many levels of symbolic links";
            case 61: return "No data available";
            case 75: return "Value too large for defined data type";
            case 95: return "Operation not supported";
            case 107: return "Transport endpoint is not connected";
            case 110: return "Connection timed out";
            case 116: return "Stale file handle";
            case 122: return "Disk quota exceeded";
            case 125: return "Operation canceled";
            default: return "errno " + errno;
        }
    }
}
