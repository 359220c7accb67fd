package io.ringfile.internal.backend;

import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
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

    /**
     * Opens a file as {@link #open} does, but with the system calls on the calling thread, for a platform thread that
     * waits for the open anyway (a blocking channel's): no hand-off to a backend thread and back. Null where this
     * backend does not open on the caller's thread (the caller then uses {@link #open}); fails as {@link #open}.
     *
     * @throws java.io.IOException the {@code java.nio.file} exception for the error
     */
    default BackendFile openOnCallerThread(OpenSpec spec) throws java.io.IOException {
        return null;
    }

    /**
     * Opens a regular file for reading ({@code spec} opens for READ only: no WRITE, APPEND, CREATE, TRUNCATE_EXISTING,
     * DELETE_ON_CLOSE or DIRECT) on the calling thread, with calls that never wait for a device: where the kernel's
     * caches hold every name on the path. As {@link #readAllOnCallerThread} with nothing read: the open file, or
     * null where this backend does not do that or a name is not cached, or what the caller must hold until its own
     * open is done ({@link WholeRead#held()}). Callable from any thread, the backend's own included; it must not
     * block.
     *
     * @throws java.io.IOException the {@code java.nio.file} exception for an open that failed at once
     */
    default WholeRead openCachedOnCallerThread(OpenSpec spec) throws java.io.IOException {
        return null;
    }

    /**
     * The attributes of {@code path}, as {@link #readAttributes} gives them, read on the calling thread with calls
     * that never wait for a device: where the kernel's caches hold every name on the path. Null where this backend
     * does not do that, the names are not all cached, or the call failed (the caller then uses
     * {@link #readAttributes}, which reports the error). Callable from any thread, the backend's own included; it
     * must not block.
     */
    default BasicFileAttributes readAttributesOnCallerThread(Path path, boolean followLinks) {
        return null;
    }

    /**
     * A whole-file read ({@code spec} is a plain READ open) on the calling thread, with calls that never wait for a
     * device: for a regular file that the kernel's caches hold entirely (name and data), its bytes. Where one of the
     * calls would have to wait after the file was opened, the open file, which the caller goes on reading the usual
     * way. Null where this backend does not read on the caller's thread or the name is not in the caches (the caller
     * then opens through {@link #open}). A file that is not regular (a FIFO, a device) is not opened for the caller:
     * the result then holds what the caller releases once its own open through {@link #open} is done
     * ({@link WholeRead#held()}). Callable from any thread, the backend's own included; it must not block.
     *
     * @param sizeLimit the largest file read here; a larger one is handed back open
     * @throws java.io.IOException the {@code java.nio.file} exception for an open that failed at once
     */
    default WholeRead readAllOnCallerThread(OpenSpec spec, int sizeLimit) throws java.io.IOException {
        return null;
    }

    /**
     * What {@link #readAllOnCallerThread} got: the bytes (the file is closed again), or else the open file to read
     * the usual way (the caller owns it and closes it).
     */
    final class WholeRead {
        private final byte[] bytes;
        private final BackendFile file;
        private final Runnable held;

        private WholeRead(byte[] bytes, BackendFile file, Runnable held) {
            this.bytes = bytes;
            this.file = file;
            this.held = held;
        }

        /** The whole file's bytes. */
        public static WholeRead of(byte[] bytes) {
            return new WholeRead(bytes, null, null);
        }

        /** An open file that was not read here. */
        public static WholeRead opened(BackendFile file) {
            return new WholeRead(null, file, null);
        }

        /**
         * Nothing for the caller, who opens through {@link #open}, but something this attempt holds until then:
         * {@code release} must run once that open is done (whatever its outcome). A FIFO opened here without waiting
         * has just let a writer's open through, and closing it before the caller's open has a reader again would
         * leave that writer with a broken pipe.
         */
        public static WholeRead heldUntilOpened(Runnable release) {
            return new WholeRead(null, null, release);
        }

        /** What to run once the caller's own open is done, or null; see {@link #heldUntilOpened}. */
        public Runnable held() {
            return held;
        }

        /** The bytes, or null where {@link #file()} is to be read. */
        public byte[] bytes() {
            return bytes;
        }

        /** The open file, or null where {@link #bytes()} holds the file or the caller opens it. */
        public BackendFile file() {
            return file;
        }
    }

    /** The size of the file at {@code path}, following symbolic links. */
    CompletableFuture<Long> size(Path path);

    /** Basic attributes of {@code path}; of a symbolic link itself when {@code followLinks} is false. */
    CompletableFuture<BasicFileAttributes> readAttributes(Path path, boolean followLinks);

    /** Creates one directory with permission bits {@code mode} (less the umask). */
    CompletableFuture<Void> createDirectory(Path dir, int mode);

    /**
     * Deletes a file, a link or an empty directory. Completes with true, or with false when it did not exist and
     * {@code ifExists} is set (otherwise NoSuchFileException).
     */
    CompletableFuture<Boolean> delete(Path path, boolean ifExists);

    /**
     * Renames {@code source} to {@code target} as rename(2) does, atomically; replaces an existing target only with
     * {@code replaceExisting}, and otherwise fails with {@link java.nio.file.FileAlreadyExistsException} naming the
     * target (also when both name the same file: the engine checks that). Without {@code replaceExisting} a
     * backend refuses an existing target in the same step where the platform allows it (see
     * {@code NioBackend.renameNoReplace} for where NIO cannot). Moves rename(2) cannot make
     * (across file systems) fail with {@link java.nio.file.AtomicMoveNotSupportedException}; the engine then copies.
     */
    CompletableFuture<Void> rename(Path source, Path target, boolean replaceExisting);

    /** Creates a hard link {@code link} to {@code existing}. */
    CompletableFuture<Void> createLink(Path link, Path existing);

    /** Creates a symbolic link {@code link} whose content is {@code target}. */
    CompletableFuture<Void> createSymbolicLink(Path link, Path target);

    /**
     * Stops the backend: new opens and path operations are refused, files still open are closed, and operations
     * already accepted finish, for at most {@code timeoutMillis}. Operations still queued then fail, those still in
     * the kernel are {@linkplain Completion#abandoned abandoned}; after a further bounded wait for the kernel
     * ({@link #REAP_MILLIS}) the backend's descriptors are closed and its threads end. The returned future
     * completes then; every operation has its outcome by that time, except one the kernel never finishes (a hung
     * file system), whose memory stays referenced. Idempotent.
     */
    CompletableFuture<Void> shutdown(long timeoutMillis);

    /** How long a shutdown waits, after its timeout, for the kernel to finish what it still holds. */
    long REAP_MILLIS = 1000;
}
