package io.ringfile;

import io.netty.channel.EventLoopGroup;
import io.ringfile.internal.EngineImpl;
import io.ringfile.internal.EngineSettings;

import java.io.IOException;
import java.nio.channels.AsynchronousFileChannel;
import java.nio.channels.FileChannel;
import java.nio.charset.Charset;
import java.nio.file.CopyOption;
import java.nio.file.LinkOption;
import java.nio.file.OpenOption;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.FileAttribute;
import java.nio.file.attribute.FileTime;
import java.nio.file.attribute.PosixFilePermission;
import java.util.List;
import java.time.Duration;
import java.util.Locale;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Flow;
import java.util.concurrent.ForkJoinPool;
import java.util.concurrent.ThreadFactory;

/**
 * An engine that performs file I/O: io_uring rings where the kernel allows them, a thread pool of
 * {@code FileChannel} calls where it does not. The operations mirror {@link java.nio.file.Files}; {@link AsyncFiles}
 * offers the same operations on a shared default engine.
 *
 * <p>The backend is chosen once, when the engine is built: with {@link Backend#AUTO} the engine tries to create its
 * io_uring rings and falls back to NIO on any failure, recording why in {@link #fallbackReason()}.
 *
 * <p>Arguments: a null path, charset, text, array, or element of an options, attributes or permissions argument
 * throws {@code NullPointerException} at once, never through the returned future, as {@code Files} throws it, and
 * in the order {@code Files} checks (so READ among write options is {@code IllegalArgumentException} even beside a
 * null). Other invalid arguments that can be told without I/O throw at once too; what only the file system can
 * judge (a copy option or attributes class that the pool's {@code Files} call refuses) fails the future.
 *
 * <p>Threading: all methods may be called from any thread. {@link #close()} blocks until files are closed and
 * threads have ended, or the shutdown timeout passes; operations still pending then fail with
 * {@code AsynchronousCloseException}. Operations on a closed engine fail with {@code ClosedFileSystemException}.
 *
 * <p>Blocking on an I/O thread: with {@link Builder#inlineCompletion(boolean) inline completion}, dependent stages
 * run on an io_uring thread, which must deliver every completion of its ring. A blocking wait there for an engine's
 * operation ({@code join()} or {@code get()} on an unfinished future an engine returned, or on a stage derived from
 * one; {@code close()} of an engine, {@link AsyncFile}, {@link AsyncReader}, {@link AsyncWriter} or
 * {@link TempDirectory}) could never end, so it throws {@link IllegalStateException} instead: chain a dependent
 * stage, or use the asynchronous form.
 */
public interface FileEngine extends AutoCloseable {

    /** Which I/O backend an engine runs. */
    enum Backend {
        /** io_uring if it works here, NIO otherwise. */
        AUTO,
        /** io_uring only; building fails if it cannot run. */
        IO_URING,
        /** The portable {@code FileChannel} thread pool. */
        NIO;

        /**
         * Parses {@code auto}, {@code io_uring} or {@code nio}, ignoring case.
         *
         * @param name the backend's name
         * @return the backend
         * @throws IllegalArgumentException if {@code name} names no backend
         */
        public static Backend parse(String name) {
            switch (name.trim().toLowerCase(Locale.ROOT)) {
                case "auto":
                    return AUTO;
                case "io_uring":
                case "iouring":
                case "uring":
                    return IO_URING;
                case "nio":
                    return NIO;
                default:
                    throw new IllegalArgumentException("unknown backend '" + name + "' (expected auto, io_uring or nio)");
            }
        }
    }

    /**
     * An engine with default settings: the backend from {@code ringfile.backend} or {@code RINGFILE_BACKEND}, else
     * {@link Backend#AUTO} (see {@link Builder#backend(Backend)}).
     *
     * @return a new, started engine
     */
    static FileEngine create() {
        return builder().build();
    }

    /**
     * A builder of an engine, with every setting at its default.
     *
     * @return a new builder
     */
    static Builder builder() {
        return new Builder();
    }

    /**
     * The backend actually running: {@link Backend#IO_URING} or {@link Backend#NIO}, never AUTO.
     *
     * @return the running backend
     */
    Backend backend();

    /**
     * Why io_uring is not running, for example {@code "io_uring unavailable: ..."}; empty when it runs.
     *
     * @return the reason, or empty
     */
    Optional<String> fallbackReason();

    /**
     * The engine's name, from {@link Builder#name(String)}: in its thread names, its log lines and its metrics.
     *
     * @return the name
     */
    String name();

    /**
     * What the engine has done and holds now, as one immutable snapshot: per kind of operation the counts, bytes and
     * latency percentiles, the rings' operations in flight and waiting, the NIO pool's queue and threads, the
     * backend and why. Cheap enough to call every few seconds from a metrics exporter (it takes no lock the engine's
     * operations take); any thread, also after {@link #close()}.
     *
     * @return a snapshot
     */
    EngineMetrics metrics();

    /**
     * As {@link java.nio.file.Files#newByteChannel(Path, OpenOption...)}: READ unless other options say else.
     * Besides the JDK's options it takes Ringfile's {@link OperationTimeout},
     * {@link RingfileOpenOption#REGULAR_FILE_ONLY} and {@link RingfileOpenOption#NO_SYMLINKS}.
     *
     * @param path the file
     * @param options how to open the file, as for {@code Files.newByteChannel}
     * @return a future of the open file
     * @throws IllegalArgumentException if the options are an invalid combination, such as READ and APPEND
     * @throws UnsupportedOperationException if an option or attribute is not supported
     */
    CompletableFuture<AsyncFile> open(Path path, OpenOption... options);

    /**
     * As {@link java.nio.channels.AsynchronousFileChannel#open(Path, Set, java.util.concurrent.ExecutorService,
     * FileAttribute[])}, with {@code posix:permissions} as the one supported attribute.
     *
     * @param path the file
     * @param options how to open the file, as for {@code Files.newByteChannel}
     * @param attributes attributes to set atomically when the file is created
     * @return a future of the open file
     * @throws IllegalArgumentException if the options are an invalid combination, such as READ and APPEND
     * @throws UnsupportedOperationException if an option or attribute is not supported
     */
    CompletableFuture<AsyncFile> open(Path path, Set<? extends OpenOption> options, FileAttribute<?>... attributes);

    // ---- blocking channels

    /**
     * A {@link FileChannel} on this engine, as {@link FileChannel#open(Path, Set, FileAttribute[])}: opened at once
     * (the calling thread waits for the open, which an interrupt does not end, as it does not end
     * {@code FileChannel.open}), with the same options, defaults and exceptions.
     *
     * <p>Its reads, writes (at the position, at explicit positions, scattering and gathering), {@code size},
     * {@code truncate}, {@code force} and {@code position} are this engine's operations, which the calling thread
     * waits for: a virtual thread parks and leaves its carrier free, a platform thread blocks. Interrupts and
     * asynchronous close behave as {@code FileChannel} specifies: an interrupt of a thread waiting in an operation
     * closes the channel and that thread throws {@code ClosedByInterruptException} with its interrupt status set;
     * other threads waiting on the channel, and those waiting when another thread closes it, throw
     * {@code AsynchronousCloseException}. A method returns only when the engine is done with the caller's buffer,
     * also when an interrupt or a close ends it: a read or write of a regular file runs to its end first, one the
     * kernel can stop (of a pipe) is stopped.
     *
     * <p>{@code transferTo} and {@code transferFrom} copy through a direct buffer. {@code lock}, {@code tryLock}
     * and {@code map} are the JDK's own: they use a JDK {@code FileChannel} on the same open file, opened at the
     * first such call and kept open until this channel is closed, since closing any descriptor of a file releases
     * the process's locks on it. For the same reason, as with the JDK's channels, take all locks on a file through
     * one channel: closing another channel of the file in this process may release them. Closing the channel
     * closes its file; one dropped without being closed is closed once it is garbage. Closing the engine closes
     * the files of its channels: their operations then fail with {@code ClosedChannelException}. {@code map} with
     * an {@code Arena} (JDK 22+) is not supported.
     *
     * @param path the file
     * @param options how to open the file, as for {@code FileChannel.open}: READ unless other options say else
     * @param attributes attributes to set atomically when the file is created; {@code posix:permissions} only
     * @return the open channel
     * @throws IllegalArgumentException if the options are an invalid combination, such as READ and APPEND
     * @throws UnsupportedOperationException if an option or attribute is not supported
     * @throws IOException if the file cannot be opened: {@code NoSuchFileException}, {@code AccessDeniedException},
     *     {@code FileAlreadyExistsException}, or another {@code FileSystemException}
     * @throws IllegalStateException on an io_uring thread (see the class description)
     */
    FileChannel newFileChannel(Path path, Set<? extends OpenOption> options, FileAttribute<?>... attributes)
            throws IOException;

    /**
     * As {@link #newFileChannel(Path, Set, FileAttribute...)} with these options, as
     * {@link FileChannel#open(Path, OpenOption...)}.
     *
     * @param path the file
     * @param options how to open the file
     * @return the open channel
     * @throws IllegalArgumentException if the options are an invalid combination, such as READ and APPEND
     * @throws UnsupportedOperationException if an option is not supported
     * @throws IOException if the file cannot be opened
     * @throws IllegalStateException on an io_uring thread (see the class description)
     */
    FileChannel newFileChannel(Path path, OpenOption... options) throws IOException;

    /**
     * An {@link AsynchronousFileChannel} on this engine, as
     * {@link AsynchronousFileChannel#open(Path, Set, ExecutorService, FileAttribute[])}: opened at once (the caller
     * waits), with the same options and exceptions (APPEND is refused with {@code UnsupportedOperationException}).
     * Reads and writes, in the {@code Future} and the {@code CompletionHandler} form, are this engine's operations.
     *
     * <p>Handlers run on threads of {@code executor}; with a null executor, on a shared pool of daemon threads
     * ({@code ringfile-aio-N}, made as needed and ended after a minute idle) that stands in for the JDK's default
     * thread pool. A handler never runs on the thread that started the operation, even when the operation is over
     * at once, and never on an engine thread; the executor's {@code execute} is called from engine threads, so it
     * must queue the task rather than run it on the calling thread. {@code Future.cancel(true)} closes the channel,
     * as the JDK's does; {@code cancel(false)} only detaches the caller: the operation runs on and its buffer stays
     * the engine's until it ends. {@code size}, {@code truncate}, {@code force} and {@code close} block the caller;
     * {@code close} returns once the operations in flight have finished. {@code lock} and {@code tryLock} are the
     * JDK's, through a JDK {@code FileChannel} on the same open file kept open until the channel is closed (see
     * {@link #newFileChannel(Path, Set, FileAttribute...)}); a lock held by another process is waited for on the
     * executor.
     *
     * @param path the file
     * @param options how to open the file: READ unless WRITE is given; APPEND is not allowed
     * @param executor where completion handlers run, or null for the default pool
     * @param attributes attributes to set atomically when the file is created; {@code posix:permissions} only
     * @return the open channel
     * @throws IllegalArgumentException if the options are an invalid combination
     * @throws UnsupportedOperationException if an option or attribute is not supported, or APPEND is given
     * @throws IOException if the file cannot be opened
     * @throws IllegalStateException on an io_uring thread (see the class description)
     */
    AsynchronousFileChannel newAsynchronousFileChannel(Path path, Set<? extends OpenOption> options,
                                                       ExecutorService executor, FileAttribute<?>... attributes)
            throws IOException;

    /**
     * As {@link #newAsynchronousFileChannel(Path, Set, ExecutorService, FileAttribute...)} with these options and
     * the default handler pool, as {@link AsynchronousFileChannel#open(Path, OpenOption...)}.
     *
     * @param path the file
     * @param options how to open the file: READ unless WRITE is given; APPEND is not allowed
     * @return the open channel
     * @throws IllegalArgumentException if the options are an invalid combination
     * @throws UnsupportedOperationException if an option is not supported, or APPEND is given
     * @throws IOException if the file cannot be opened
     * @throws IllegalStateException on an io_uring thread (see the class description)
     */
    AsynchronousFileChannel newAsynchronousFileChannel(Path path, OpenOption... options) throws IOException;

    /**
     * As {@link java.nio.file.Files#readAllBytes(Path)}. A file that cannot seek (a FIFO or other pipe, a socket, a
     * channel of another file-system provider that cannot be positioned) is read in order until its end, as there;
     * so are the text readers ({@link #readString}, {@link #readAllLines}, {@link #lines}, {@link #newBufferedReader})
     * and, for writing, {@link #write}, {@link #writeString} and {@link #newBufferedWriter}.
     *
     * <p>On io_uring with JDK 22+ and native access, a regular file of up to 1 MiB whose name and data the kernel's
     * caches hold is read on the calling thread with calls that do not wait for a device (an io_uring thread
     * included, which then needs no round trip through its ring): the future is then complete when this method
     * returns, and stages attached to it run on the attaching thread. So is {@link #readString}'s.
     *
     * @param path the file
     * @return a future of the file's bytes
     */
    CompletableFuture<byte[]> readAllBytes(Path path);

    /**
     * As {@link java.nio.file.Files#readString(Path)}: UTF-8; malformed input fails with MalformedInputException.
     *
     * @param path the file
     * @return a future of the file's text
     */
    CompletableFuture<String> readString(Path path);

    /**
     * As {@link java.nio.file.Files#readString(Path, Charset)}.
     *
     * @param path the file
     * @param charset the charset to decode with
     * @return a future of the file's text
     */
    CompletableFuture<String> readString(Path path, Charset charset);

    /**
     * As {@link java.nio.file.Files#write(Path, byte[], OpenOption...)}: CREATE, TRUNCATE_EXISTING, WRITE by default.
     *
     * @param path the file
     * @param bytes the bytes to write
     * @param options how to open the file; none means CREATE, TRUNCATE_EXISTING and WRITE
     * @return a future of {@code path}, completed once the bytes are written
     * @throws IllegalArgumentException if the options contain READ or are an invalid combination
     * @throws UnsupportedOperationException if an option is not supported
     */
    CompletableFuture<Path> write(Path path, byte[] bytes, OpenOption... options);

    /**
     * As {@link java.nio.file.Files#writeString(Path, CharSequence, OpenOption...)}: UTF-8.
     *
     * @param path the file
     * @param text the text to write
     * @param options how to open the file; none means CREATE, TRUNCATE_EXISTING and WRITE
     * @return a future of {@code path}, completed once the text is written
     * @throws IllegalArgumentException if the options contain READ or are an invalid combination
     * @throws UnsupportedOperationException if an option is not supported
     */
    CompletableFuture<Path> writeString(Path path, CharSequence text, OpenOption... options);

    /**
     * As {@link java.nio.file.Files#writeString(Path, CharSequence, Charset, OpenOption...)}.
     *
     * @param path the file
     * @param text the text to write
     * @param charset the charset to encode with
     * @param options how to open the file; none means CREATE, TRUNCATE_EXISTING and WRITE
     * @return a future of {@code path}, completed once the text is written
     * @throws IllegalArgumentException if the options contain READ or are an invalid combination
     * @throws UnsupportedOperationException if an option is not supported
     */
    CompletableFuture<Path> writeString(Path path, CharSequence text, Charset charset, OpenOption... options);

    /**
     * As {@link java.nio.file.Files#size(Path)}. Through the ring (STATX) on io_uring.
     *
     * @param path the file
     * @return a future of the file's size in bytes
     */
    CompletableFuture<Long> size(Path path);

    // ---- text and lines (built on positional reads and writes, so the same on every backend)

    /**
     * As {@link java.nio.file.Files#readAllLines(Path)}: UTF-8; malformed input fails with MalformedInputException.
     *
     * @param path the file
     * @return a future of the file's lines
     */
    CompletableFuture<List<String>> readAllLines(Path path);

    /**
     * As {@link java.nio.file.Files#readAllLines(Path, Charset)}.
     *
     * @param path the file
     * @param charset the charset to decode with
     * @return a future of the file's lines
     */
    CompletableFuture<List<String>> readAllLines(Path path, Charset charset);

    /**
     * The file's lines, as {@link java.nio.file.Files#lines(Path)} but pushed with backpressure: each subscription
     * opens the file, reads only as far as demand needs (memory stays bounded whatever the file size) and closes
     * it when done, failed or cancelled. UTF-8.
     *
     * @param path the file
     * @return a publisher of the file's lines
     */
    Flow.Publisher<String> lines(Path path);

    /**
     * As {@link #lines(Path)} in {@code charset}.
     *
     * @param path the file
     * @param charset the charset to decode with
     * @return a publisher of the file's lines
     */
    Flow.Publisher<String> lines(Path path, Charset charset);

    /**
     * A reader with {@code readLine()}, as {@link java.nio.file.Files#newBufferedReader(Path)}: UTF-8.
     *
     * @param path the file
     * @return a future of the reader, completed once the file is open
     */
    CompletableFuture<AsyncReader> newBufferedReader(Path path);

    /**
     * As {@link #newBufferedReader(Path)} in {@code charset}.
     *
     * @param path the file
     * @param charset the charset to decode with
     * @return a future of the reader, completed once the file is open
     */
    CompletableFuture<AsyncReader> newBufferedReader(Path path, Charset charset);

    /**
     * A buffered writer, as {@link java.nio.file.Files#newBufferedWriter(Path, OpenOption...)}: UTF-8; CREATE,
     * TRUNCATE_EXISTING, WRITE when no options are given.
     *
     * @param path the file
     * @param options how to open the file; none means CREATE, TRUNCATE_EXISTING and WRITE
     * @return a future of the writer, completed once the file is open
     * @throws IllegalArgumentException if the options contain READ or are an invalid combination
     * @throws UnsupportedOperationException if an option is not supported
     */
    CompletableFuture<AsyncWriter> newBufferedWriter(Path path, OpenOption... options);

    /**
     * As {@link #newBufferedWriter(Path, OpenOption...)} in {@code charset}.
     *
     * @param path the file
     * @param charset the charset to encode with
     * @param options how to open the file; none means CREATE, TRUNCATE_EXISTING and WRITE
     * @return a future of the writer, completed once the file is open
     * @throws IllegalArgumentException if the options contain READ or are an invalid combination
     * @throws UnsupportedOperationException if an option is not supported
     */
    CompletableFuture<AsyncWriter> newBufferedWriter(Path path, Charset charset, OpenOption... options);

    // ---- file-system operations. Each says where it runs: "ring" means an io_uring opcode on the io_uring
    // backend (the pool on NIO); "pool" means the blocking NIO pool on every backend (io_uring has no opcode).

    /**
     * As {@link java.nio.file.Files#exists(Path, LinkOption...)}: false also when existence cannot be told. Ring.
     *
     * @param path the file
     * @param options how symbolic links are handled ({@code NOFOLLOW_LINKS}: not followed)
     * @return a future of true if the file exists, false if it does not or that cannot be told
     */
    CompletableFuture<Boolean> exists(Path path, LinkOption... options);

    /**
     * As {@link java.nio.file.Files#notExists(Path, LinkOption...)}: true only when the file surely is absent. Ring.
     *
     * @param path the file
     * @param options how symbolic links are handled ({@code NOFOLLOW_LINKS}: not followed)
     * @return a future of true if the file does not exist, false if it does or that cannot be told
     */
    CompletableFuture<Boolean> notExists(Path path, LinkOption... options);

    /**
     * As {@link java.nio.file.Files#isDirectory(Path, LinkOption...)}. Ring.
     *
     * @param path the file
     * @param options how symbolic links are handled ({@code NOFOLLOW_LINKS}: not followed)
     * @return a future of true if the file is a directory, false if it is not, does not exist or that cannot be told
     */
    CompletableFuture<Boolean> isDirectory(Path path, LinkOption... options);

    /**
     * As {@link java.nio.file.Files#isRegularFile(Path, LinkOption...)}. Ring.
     *
     * @param path the file
     * @param options how symbolic links are handled ({@code NOFOLLOW_LINKS}: not followed)
     * @return a future of true if the file is a regular file, false if it is not, does not exist or that cannot be told
     */
    CompletableFuture<Boolean> isRegularFile(Path path, LinkOption... options);

    /**
     * As {@link java.nio.file.Files#readAttributes(Path, Class, LinkOption...)}. {@code BasicFileAttributes} come from
     * the ring (STATX); other attribute types (POSIX, owner) from the pool. Where every name on the path is in the
     * kernel's caches (io_uring on JDK 22 or later with native access, a local file system), the basic attributes
     * are read on the calling thread with calls that do not wait ({@code openat2(O_PATH, RESOLVE_CACHED)}, statx,
     * close) and the future comes back complete: the ring would run the STATX on a kernel worker thread.
     *
     * @param <A> the type of the attributes
     * @param path the file
     * @param type the type of attributes to read, such as {@code BasicFileAttributes.class}
     * @param options how symbolic links are handled ({@code NOFOLLOW_LINKS}: not followed)
     * @return a future of the file's attributes
     */
    <A extends BasicFileAttributes> CompletableFuture<A> readAttributes(Path path, Class<A> type,
                                                                        LinkOption... options);

    /**
     * As {@link java.nio.file.Files#delete(Path)}: a file, link or empty directory. Ring (UNLINKAT).
     *
     * @param path the file
     * @return a future completed once the file is deleted
     */
    CompletableFuture<Void> delete(Path path);

    /**
     * As {@link java.nio.file.Files#deleteIfExists(Path)}. Ring (UNLINKAT).
     *
     * @param path the file
     * @return a future of true if the file was deleted, false if it did not exist
     */
    CompletableFuture<Boolean> deleteIfExists(Path path);

    /**
     * As {@link java.nio.file.Files#move(Path, Path, CopyOption...)}: REPLACE_EXISTING and ATOMIC_MOVE honoured (an
     * atomic move replaces an existing target, as on Linux); moving a file onto itself or onto another hard link of
     * it succeeds without doing anything. Ring (RENAMEAT) when a rename can do it; a move across file systems
     * copies on the pool.
     *
     * <p>Without REPLACE_EXISTING an existing target is never replaced, not even by moves onto it from other threads
     * at the same moment (where {@code Files.move}, which checks and then renames, can let several succeed): on
     * io_uring, {@code renameat2(RENAME_NOREPLACE)} refuses in the same step; on NIO, a file or symbolic link is
     * hard-linked under the target name ({@code link(2)} refuses an existing target in the same step) and its
     * source name then removed, so for a moment it has both names (a crash then leaves both, nothing lost) and file
     * watchers see a create and a delete instead of a rename. Where that cannot be done, the NIO backend checks,
     * then renames, as {@code Files.move} does, and a target created in between is replaced: for directories, on
     * file systems without hard links or that refuse one ({@code fs.protected_hardlinks}, too many links), and on
     * every backend for paths of other file-system providers and for a copy across file systems.
     *
     * @param source the file to move
     * @param target where to move it
     * @param options how to move: {@code REPLACE_EXISTING}, {@code ATOMIC_MOVE}
     * @return a future of {@code target}, completed once the file is moved
     * @throws UnsupportedOperationException if an option is not supported
     */
    CompletableFuture<Path> move(Path source, Path target, CopyOption... options);

    /**
     * As {@link java.nio.file.Files#copy(Path, Path, CopyOption...)}. Pool: the JDK's copy moves the bytes in native
     * memory (or in the kernel), never through the Java heap.
     *
     * @param source the file to copy
     * @param target the path of the copy
     * @param options how to copy, as for {@code Files.copy}
     * @return a future of {@code target}, completed once the file is copied
     */
    CompletableFuture<Path> copy(Path source, Path target, CopyOption... options);

    /**
     * As {@link java.nio.file.Files#createDirectory(Path, FileAttribute...)}. Ring (MKDIRAT).
     *
     * @param dir the directory to create
     * @param attributes attributes to set atomically when the directory is created
     * @return a future of {@code dir}, completed once the directory is created
     */
    CompletableFuture<Path> createDirectory(Path dir, FileAttribute<?>... attributes);

    /**
     * As {@link java.nio.file.Files#createDirectories(Path, FileAttribute...)}. Ring (MKDIRAT per level).
     *
     * @param dir the directory to create, with its missing parents
     * @param attributes attributes to set atomically when each directory is created
     * @return a future of {@code dir}, completed once it exists
     */
    CompletableFuture<Path> createDirectories(Path dir, FileAttribute<?>... attributes);

    /**
     * The entries of a directory, as {@link java.nio.file.Files#list(Path)} collected. Pool.
     *
     * @param dir the directory
     * @return a future of the directory's entries, each resolved against {@code dir}
     */
    CompletableFuture<List<Path>> list(Path dir);

    /**
     * As {@link java.nio.file.Files#createLink(Path, Path)}. Ring (LINKAT).
     *
     * @param link the link (directory entry) to create
     * @param existing an existing file
     * @return a future of {@code link}, completed once it is created
     */
    CompletableFuture<Path> createLink(Path link, Path existing);

    /**
     * As {@link java.nio.file.Files#createSymbolicLink(Path, Path, FileAttribute...)}. Ring (SYMLINKAT).
     *
     * @param link the symbolic link to create
     * @param target what the link points to
     * @param attributes attributes to set on the link; none are supported
     * @return a future of {@code link}, completed once it is created
     * @throws UnsupportedOperationException if {@code attributes} is not empty
     */
    CompletableFuture<Path> createSymbolicLink(Path link, Path target, FileAttribute<?>... attributes);

    /**
     * As {@link java.nio.file.Files#readSymbolicLink(Path)}. Pool.
     *
     * @param link the symbolic link
     * @return a future of the link's target
     */
    CompletableFuture<Path> readSymbolicLink(Path link);

    /**
     * As {@link java.nio.file.Files#setLastModifiedTime(Path, FileTime)}. Pool.
     *
     * @param path the file
     * @param time the new last-modified time
     * @return a future of {@code path}, completed once the time is set
     */
    CompletableFuture<Path> setLastModifiedTime(Path path, FileTime time);

    /**
     * As {@link java.nio.file.Files#getPosixFilePermissions(Path, LinkOption...)}. Pool.
     *
     * @param path the file
     * @param options how symbolic links are handled ({@code NOFOLLOW_LINKS}: not followed)
     * @return a future of the file's permissions
     */
    CompletableFuture<Set<PosixFilePermission>> getPosixFilePermissions(Path path, LinkOption... options);

    /**
     * As {@link java.nio.file.Files#setPosixFilePermissions(Path, Set)}. Pool.
     *
     * @param path the file
     * @param permissions the new permissions
     * @return a future of {@code path}, completed once the permissions are set
     */
    CompletableFuture<Path> setPosixFilePermissions(Path path, Set<PosixFilePermission> permissions);

    // ---- temporary files

    /**
     * As {@link java.nio.file.Files#createTempFile(Path, String, String, FileAttribute...)}: mode 0600 by default. Ring.
     *
     * @param dir the directory to create the file in
     * @param prefix the start of the file's name, or null for none
     * @param suffix the end of the file's name, or null for {@code ".tmp"}
     * @param attributes attributes to set atomically when the file is created; none means mode 0600
     * @return a future of the new file's path
     * @throws IllegalArgumentException if the prefix or suffix would make the name leave the directory
     */
    CompletableFuture<Path> createTempFile(Path dir, String prefix, String suffix, FileAttribute<?>... attributes);

    /**
     * As {@link java.nio.file.Files#createTempFile(String, String, FileAttribute...)}, in {@code java.io.tmpdir}.
     *
     * @param prefix the start of the file's name, or null for none
     * @param suffix the end of the file's name, or null for {@code ".tmp"}
     * @param attributes attributes to set atomically when the file is created; none means mode 0600
     * @return a future of the new file's path
     * @throws IllegalArgumentException if the prefix or suffix would make the name leave the directory
     */
    CompletableFuture<Path> createTempFile(String prefix, String suffix, FileAttribute<?>... attributes);

    /**
     * As {@link java.nio.file.Files#createTempDirectory(Path, String, FileAttribute...)}: mode 0700 by default. Ring.
     *
     * @param dir the directory to create the directory in
     * @param prefix the start of the directory's name, or null for none
     * @param attributes attributes to set atomically when the directory is created; none means mode 0700
     * @return a future of the new directory's path
     * @throws IllegalArgumentException if the prefix would make the name leave the directory
     */
    CompletableFuture<Path> createTempDirectory(Path dir, String prefix, FileAttribute<?>... attributes);

    /**
     * As {@link java.nio.file.Files#createTempDirectory(String, FileAttribute...)}, in {@code java.io.tmpdir}.
     *
     * @param prefix the start of the directory's name, or null for none
     * @param attributes attributes to set atomically when the directory is created; none means mode 0700
     * @return a future of the new directory's path
     * @throws IllegalArgumentException if the prefix would make the name leave the directory
     */
    CompletableFuture<Path> createTempDirectory(String prefix, FileAttribute<?>... attributes);

    /**
     * A new temporary file, open for reading and writing, that is deleted when it is closed (aiofiles'
     * NamedTemporaryFile: it has a name while open). {@code dir} null means {@code java.io.tmpdir}. For a file with
     * no name at all, open a {@link #createTempFile} path with {@code DELETE_ON_CLOSE}.
     *
     * @param dir the directory to create the file in, or null for {@code java.io.tmpdir}
     * @param prefix the start of the file's name, or null for none
     * @param suffix the end of the file's name, or null for {@code ".tmp"}
     * @return a future of the new file, open for reading and writing
     * @throws IllegalArgumentException if the prefix or suffix would make the name leave the directory
     */
    CompletableFuture<AsyncFile> openTempFile(Path dir, String prefix, String suffix);

    /**
     * A new temporary directory that {@link TempDirectory#close()} deletes with everything in it.
     *
     * @param dir the directory to create the directory in, or null for {@code java.io.tmpdir}
     * @param prefix the start of the directory's name, or null for none
     * @return a future of the new directory
     * @throws IllegalArgumentException if the prefix would make the name leave the directory
     */
    CompletableFuture<TempDirectory> openTempDirectory(Path dir, String prefix);

    // ---- durable replacement

    /**
     * Replaces the file's content atomically and durably: writes a temporary file in the same directory, fsyncs
     * it, renames it over {@code target} and fsyncs the directory. After a crash the file holds the old content or
     * the new, never a mix. Each step is issued when the one before has completed (not as linked SQEs: Netty may
     * flush a full submission queue mid-chain, which would cut the link and let the rename overtake the fsync).
     * Ring, with two short steps on the pool (following links and reading the old file's attributes; setting them
     * on the temporary file), which io_uring has no opcode for.
     *
     * <p>Permissions: the replacement keeps the replaced file's permission bits (read, write, execute for owner,
     * group and others; set-user-ID, set-group-ID and sticky bits are not carried over, nor ACLs or extended
     * attributes), and its owner and group where the process may set them (root may; another user keeps a group
     * only if it belongs to it). Where the group cannot be kept, the group gets no more access than others have;
     * where the owner cannot be kept, the file belongs to the writing process. The temporary file is created
     * readable and writable by its owner only and gets its final owner and mode before it is renamed, so the new
     * content is never readable by anyone the old file kept out. A new file gets the mode
     * {@link java.nio.file.Files#write} would give it (0666 less the umask).
     *
     * <p>Symbolic links are followed, as {@code Files.write} follows them: the link chain is resolved to its final
     * target (each link relative to its own directory), that file is replaced in its own directory and that
     * directory is fsynced; the links stay as they are. A dangling link gets the file it names created. A target
     * that is (or resolves to) a directory fails with {@link java.nio.file.FileSystemException} "Is a directory",
     * another non-regular file (a device, a FIFO) with "Not a regular file", a loop of links with "Too many levels
     * of symbolic links".
     *
     * <p>A rename replaces the name, not the file: other hard links to the old file keep the old content, and a
     * process that has the old file open keeps reading it.
     *
     * <p>Every failure names {@code target} as its file; the temporary file, or the resolved target, appears as the
     * other file. A failure deletes the temporary file and leaves the old file as it was.
     *
     * <p>Paths of other file-system providers (a zip file system): the content goes to a temporary entry beside the
     * target, which is moved over it with {@code REPLACE_EXISTING} and {@code ATOMIC_MOVE}, or with
     * {@code REPLACE_EXISTING} alone where the provider cannot move atomically; POSIX permissions, owner and group
     * are kept where the provider has them. Durability is the provider's: there is no directory to fsync (a zip
     * file system writes the archive when it is closed), and atomicity is what the provider's move gives.
     *
     * @param target the file to replace or create
     * @param bytes the new content
     * @return a future that completes with {@code target}
     */
    CompletableFuture<Path> writeAtomically(Path target, byte[] bytes);

    /**
     * As {@link #writeAtomically(Path, byte[])} with the text encoded in UTF-8.
     *
     * @param target the file to replace or create
     * @param text the file's new content
     * @return a future of {@code target}, completed once the new content is durable
     */
    CompletableFuture<Path> writeAtomically(Path target, CharSequence text);

    /**
     * As {@link #writeAtomically(Path, byte[])} with the text encoded in {@code charset}.
     *
     * @param target the file to replace or create
     * @param text the file's new content
     * @param charset the charset to encode with
     * @return a future of {@code target}, completed once the new content is durable
     */
    CompletableFuture<Path> writeAtomically(Path target, CharSequence text, Charset charset);

    /**
     * Closes the engine: refuses new operations, closes every open file, and lets operations in flight finish for
     * at most the {@linkplain Builder#shutdownTimeout(Duration) shutdown timeout}. Then operations still queued fail
     * and those still in the kernel are abandoned: their futures fail with {@code AsynchronousCloseException} (or
     * {@code ClosedFileSystemException} for opens and path operations), while the buffers they use stay referenced
     * until the kernel has finished with them, for the life of the JVM if it never does. The engine waits up to one
     * more second for the kernel to finish those, closing any descriptor it opened meanwhile; then it closes every
     * descriptor it still has and its threads end.
     *
     * <p>When this method returns, every future the engine returned has its outcome, and each completes on the
     * completion executor (at once with inline completion); every descriptor the engine opened is closed, except
     * one whose open the kernel has still not finished (a hung file system). It returns after at most the timeout
     * plus a few seconds. Idempotent; other calls wait for the first.
     *
     * @throws IllegalStateException if called on an io_uring thread (see the class description)
     */
    @Override
    void close();

    /** Settings for a {@link FileEngine}. Not thread-safe; each {@link #build()} makes a new engine. */
    final class Builder {
        /** Null: from {@link #BACKEND_PROPERTY} or {@link #BACKEND_VARIABLE}, else AUTO, read at {@link #build()}. */
        private Backend backend;
        private String name = "ringfile";
        private boolean metrics = true;
        private int rings = Runtime.getRuntime().availableProcessors();
        private int ringSize = 256;
        private int maxInFlight = DEFAULT_MAX_IN_FLIGHT;
        private int maxQueued = DEFAULT_MAX_QUEUED;
        private int boundedKernelWorkers = DEFAULT_KERNEL_WORKERS;
        private int unboundedKernelWorkers = DEFAULT_KERNEL_WORKERS;
        private int nioThreads = Math.max(8, 4 * Runtime.getRuntime().availableProcessors());
        private Executor completionExecutor = ForkJoinPool.commonPool();
        private boolean inlineCompletion;
        private boolean writesOnCallerThread = true;
        private Duration shutdownTimeout = Duration.ofSeconds(10);
        private Duration operationTimeout = Duration.ZERO;
        /** Null: the name. */
        private String threadNamePrefix;
        private ThreadFactory threadFactory;
        private EventLoopGroup eventLoopGroup;

        Builder() {
        }

        /** The system property an operator sets to choose the backend of every engine that does not set one. */
        public static final String BACKEND_PROPERTY = "ringfile.backend";
        /** The environment variable read where {@link #BACKEND_PROPERTY} is not set. */
        public static final String BACKEND_VARIABLE = "RINGFILE_BACKEND";

        /**
         * The backend to run. Without this call the engine runs the backend named by the system property
         * {@value #BACKEND_PROPERTY}, else by the environment variable {@value #BACKEND_VARIABLE} ({@code auto},
         * {@code io_uring} or {@code nio}, as {@link Backend#parse}), else {@link Backend#AUTO}: so an operator
         * turns io_uring off for every engine of a program with {@code -Dringfile.backend=nio}. They are read when
         * the engine is built.
         *
         * @param backend the backend
         * @return this builder
         */
        public Builder backend(Backend backend) {
            this.backend = Objects.requireNonNull(backend, "backend");
            return this;
        }

        /**
         * The engine's name, default "ringfile": in its log lines, its {@link FileEngine#metrics() metrics} (where
         * engines in one registry need different names) and, unless {@link #threadNamePrefix} is set, as the prefix
         * of its thread names.
         *
         * @param name the name; not blank
         * @return this builder
         * @throws IllegalArgumentException if {@code name} is blank
         */
        public Builder name(String name) {
            if (Objects.requireNonNull(name, "name").isBlank()) {
                throw new IllegalArgumentException("blank engine name");
            }
            this.name = name;
            return this;
        }

        /**
         * Whether the engine counts its operations and their latencies for {@link FileEngine#metrics()}; default
         * true. They cost about two clock reads and a few uncontended atomic adds per operation, no allocation; with
         * false the snapshot still has the gauges (in flight, waiting, pool).
         *
         * @param enabled false to count nothing
         * @return this builder
         */
        public Builder metrics(boolean enabled) {
            this.metrics = enabled;
            return this;
        }

        /**
         * Number of io_uring rings, each with its own thread; default: available processors.
         *
         * @param rings the number of rings; positive
         * @return this builder
         * @throws IllegalArgumentException if {@code rings} is not positive
         */
        public Builder rings(int rings) {
            this.rings = positive(rings, "rings");
            return this;
        }

        /**
         * Submission queue entries per ring; default 256. In-flight operations are not limited by it.
         *
         * @param ringSize the number of submission queue entries; positive
         * @return this builder
         * @throws IllegalArgumentException if {@code ringSize} is not positive
         */
        public Builder ringSize(int ringSize) {
            this.ringSize = positive(ringSize, "ringSize");
            return this;
        }

        /** The default of {@link #maxInFlight(int)}. */
        public static final int DEFAULT_MAX_IN_FLIGHT = 4096;
        /** The default of {@link #maxQueued(int)}. */
        public static final int DEFAULT_MAX_QUEUED = 65_536;

        /**
         * The most operations the engine hands to the kernel (or its NIO pool) at once; default
         * {@value #DEFAULT_MAX_IN_FLIGHT}. The io_uring rings share it (each keeps at most its share, rounded up, and
         * never more than half its completion queue); the NIO pool runs at most {@link #nioThreads} at once. Operations
         * beyond it wait in the engine, up to {@link #maxQueued(int)}.
         *
         * <p>With {@code maxQueued} it bounds what a flood of calls can hold: each operation under way holds its
         * buffer and a few hundred bytes of the engine's. Past both limits a call fails at once with
         * {@link EngineOverloadedException} (a {@link java.util.concurrent.RejectedExecutionException}) instead of
         * queueing: the future it returns is already failed (as for a closed engine), so stages attached to it run
         * on the thread that attaches them, and a flood of refused calls costs no task on the completion executor.
         * Closes, and opens, reads and stats served on the caller's thread, are never refused.
         *
         * @param maxInFlight the most operations in flight; positive
         * @return this builder
         * @throws IllegalArgumentException if {@code maxInFlight} is not positive
         */
        public Builder maxInFlight(int maxInFlight) {
            this.maxInFlight = positive(maxInFlight, "maxInFlight");
            return this;
        }

        /**
         * The most operations that wait in the engine beyond {@link #maxInFlight(int)}; default
         * {@value #DEFAULT_MAX_QUEUED}, far more than a server or a benchmark keeps waiting, few enough that a flood
         * is refused before it exhausts memory. Past it calls fail at once with {@link EngineOverloadedException}.
         *
         * @param maxQueued the most operations waiting; 0 or more
         * @return this builder
         * @throws IllegalArgumentException if {@code maxQueued} is negative
         */
        public Builder maxQueued(int maxQueued) {
            if (maxQueued < 0) {
                throw new IllegalArgumentException("maxQueued must not be negative: " + maxQueued);
            }
            this.maxQueued = maxQueued;
            return this;
        }

        /** The default of {@link #maxKernelWorkers}, for each kind of worker. */
        public static final int DEFAULT_KERNEL_WORKERS = 16;

        /**
         * The most io-wq worker threads the kernel may start for each of the engine's rings, per kind: bounded
         * workers run work on regular files and block devices (a buffered read or write the kernel cannot finish
         * at once, an open, an fsync), unbounded ones run work that may block without limit (pipes, FIFOs,
         * devices). A slow disk or a FUSE file system makes the kernel start a worker per operation waiting on it;
         * this caps the threads (visible as {@code iou-wrk-N} in {@code /proc/PID/task}) and the operations beyond
         * wait in the kernel's queue. Reads, writes, fsyncs and truncations of a file on a FUSE or network file
         * system are the exception: the engine sends them to a worker at once (a non-blocking attempt can wait
         * there, on the submitting thread), and the kernel counts work sent that way as unbounded, so the
         * unbounded bound is theirs. Default {@value #DEFAULT_KERNEL_WORKERS} of each per ring, enough for a
         * device's queue depth; 0 leaves the kernel's default (bounded: the smaller of the ring's size and 4 x
         * CPUs; unbounded: the process's thread limit, so every pending read of a slow FUSE file gets a thread).
         * Applies to the engine's own rings; an engine on a {@linkplain #eventLoopGroup shared group} has the
         * group's settings (Netty's {@code IoUringIoHandlerConfig.setMaxBoundedWorker}/{@code
         * setMaxUnboundedWorker}, whose default is the kernel's).
         *
         * @param bounded the most bounded workers per ring; 0 for the kernel's default
         * @param unbounded the most unbounded workers per ring; 0 for the kernel's default
         * @return this builder
         * @throws IllegalArgumentException if a value is negative
         */
        public Builder maxKernelWorkers(int bounded, int unbounded) {
            if (bounded < 0 || unbounded < 0) {
                throw new IllegalArgumentException("negative worker count: " + bounded + ", " + unbounded);
            }
            this.boundedKernelWorkers = bounded;
            this.unboundedKernelWorkers = unbounded;
            return this;
        }

        /**
         * Threads of the NIO backend's pool; default max(8, 4 x available processors).
         *
         * @param threads the number of threads; positive
         * @return this builder
         * @throws IllegalArgumentException if {@code threads} is not positive
         */
        public Builder nioThreads(int threads) {
            this.nioThreads = positive(threads, "nioThreads");
            return this;
        }

        /**
         * Where returned futures complete, and so where their dependent stages run; default
         * {@link ForkJoinPool#commonPool()}. A future with no dependent stage and a thread blocked in its
         * {@code join()} or {@code get()} is completed by that thread instead. Calls the io_uring backend makes on
         * the caller's thread with system calls that do not wait (JDK 22 or later with native access; not on FUSE or
         * network file systems) come back already complete, and stages attached to them run on the thread that
         * attaches them: a whole-file read of a cached file (see {@link FileEngine#readAllBytes}),
         * {@code readAttributes} of a path whose names the kernel has cached, a read-only {@code open} of such a
         * path, and a positional {@code AsyncFile} read of at most 1 MiB of data the page cache holds.
         *
         * @param executor the executor that completes futures
         * @return this builder
         */
        public Builder completionExecutor(Executor executor) {
            this.completionExecutor = Objects.requireNonNull(executor, "executor");
            return this;
        }

        /**
         * Complete futures directly on the I/O thread. Saves a thread hop per operation, but dependent stages then
         * run on that thread and must never block: a blocked ring stalls every file on it. Default false.
         *
         * @param inline true to complete futures on the I/O thread
         * @return this builder
         */
        public Builder inlineCompletion(boolean inline) {
            this.inlineCompletion = inline;
            return this;
        }

        /**
         * Whether a positional write may be made on the calling thread, as {@code FileChannel.write} makes it,
         * instead of through a ring and a kernel worker. Default true.
         *
         * <p>When true, {@link AsyncFile#write(java.nio.ByteBuffer, long)} and its {@code writeFully} and
         * {@code ByteBuf} forms write on the calling thread with {@code pwrite(2)} where all of these hold: the
         * engine runs io_uring on JDK 22 or later with native access granted to Ringfile (the condition for reads
         * from the page cache on the caller's thread); the file is a regular file on a local file system, opened
         * without {@code SYNC}, {@code DSYNC} or {@code DIRECT}; the write is 1 MiB or less; and the caller is a
         * platform thread that is no event loop: not a ring's, not one of Netty's or of a framework built on Netty
         * (Vert.x), not virtual. The future comes back complete, and stages attached to it run on the caller.
         *
         * <p>Why: local file systems take buffered writes only in ways that may wait, so io_uring sends each one to
         * a kernel worker thread; the copy into the page cache made where the caller runs saves two thread
         * hand-offs and uses the caller's warm CPU cache. The call may then wait as {@code FileChannel.write} may:
         * while the kernel throttles a writer of too many dirty pages, to read in a partly written page that is not
         * in memory, or for the file system's journal. Set false where a thread must never wait (the event loop of a
         * framework Ringfile does not recognise): every write then goes through the ring.
         *
         * @param onCaller false to make every write through the ring
         * @return this builder
         */
        public Builder writesOnCallerThread(boolean onCaller) {
            this.writesOnCallerThread = onCaller;
            return this;
        }

        /**
         * How long {@link FileEngine#close()} lets operations in flight finish before it fails or abandons them;
         * default 10 seconds. Zero fails them at once.
         *
         * @param timeout the longest wait; not negative
         * @return this builder
         * @throws IllegalArgumentException if {@code timeout} is negative
         */
        public Builder shutdownTimeout(Duration timeout) {
            if (timeout.isNegative()) {
                throw new IllegalArgumentException("negative timeout: " + timeout);
            }
            this.shutdownTimeout = timeout;
            return this;
        }

        /**
         * A deadline for every operation; default none ({@link Duration#ZERO}). An operation with no outcome within
         * it fails with {@link java.util.concurrent.TimeoutException} (as {@link CompletableFuture#orTimeout} fails
         * a future; the message names the engine, the operation and the file), promptly, from the engine's timer
         * thread. For a file's operations the {@link OperationTimeout} open option sets a deadline of its own.
         *
         * <p>What happens to the operation itself: one still waiting in the engine is dropped; a read or write the
         * kernel has is asked to stop ({@code IORING_OP_ASYNC_CANCEL}: a wait in a kernel worker, on a FUSE file
         * system say, is interrupted, while a read of a local file usually finishes anyway). Whatever it does, the
         * operation keeps its buffer until the kernel's completion arrives, as for any abandoned operation, so a
         * buffer passed to a timed-out read must not be reused before then (a direct buffer the caller frees at
         * once could still be written). On the NIO backend the pool thread finishes the call. A timed-out operation
         * counts as failed in the {@linkplain FileEngine#metrics() metrics}; a file opened after its open timed out
         * is closed.
         *
         * @param timeout the longest an operation may take; zero for none; not negative
         * @return this builder
         * @throws IllegalArgumentException if {@code timeout} is negative
         */
        public Builder operationTimeout(Duration timeout) {
            if (Objects.requireNonNull(timeout, "timeout").isNegative()) {
                throw new IllegalArgumentException("negative timeout: " + timeout);
            }
            this.operationTimeout = timeout;
            return this;
        }

        /**
         * Prefix of the engine's thread names; default the {@linkplain #name(String) name}. Unused with a
         * {@link #threadFactory}.
         *
         * @param prefix the prefix
         * @return this builder
         */
        public Builder threadNamePrefix(String prefix) {
            this.threadNamePrefix = Objects.requireNonNull(prefix, "prefix");
            return this;
        }

        /**
         * Makes the engine's own threads: its io_uring ring threads and the threads of its NIO pool (the same
         * factory for both). By default the engine makes daemon threads named after the
         * {@linkplain #threadNamePrefix(String) prefix} ({@code ringfile-ring-...}, {@code ringfile-nio-N}); threads
         * from a factory keep the names, daemon status and other settings it gives them, and the prefix is unused.
         * Ring threads run until the engine is closed; pool threads are made when work arrives and end after a
         * minute idle. Non-daemon threads keep the JVM alive until {@link FileEngine#close()}.
         *
         * <p>The factory is called by the thread that builds the engine and later by the engine's threads; it must
         * return a new, unstarted thread that runs the task it is given, as {@link ThreadFactory} requires.
         * Which threads are ring threads is known from inside the engine, not from the thread's class or name.
         *
         * @param factory makes the engine's threads
         * @return this builder
         */
        public Builder threadFactory(ThreadFactory factory) {
            this.threadFactory = Objects.requireNonNull(factory, "factory");
            return this;
        }

        /**
         * Starts the engine.
         *
         * @return the started engine
         * @throws UnsupportedOperationException if {@link Backend#IO_URING} was required and cannot run here; the
         *     cause says why
         * @throws IllegalStateException if no backend was set and {@value #BACKEND_PROPERTY} or
         *     {@value #BACKEND_VARIABLE} names none; the message names the setting, its value and the allowed values
         */
        public FileEngine build() {
            return EngineImpl.start(new EngineSettings(name, metrics, backend != null ? backend : configuredBackend(),
                    rings, ringSize, boundedKernelWorkers, unboundedKernelWorkers, maxInFlight, maxQueued, nioThreads,
                    inlineCompletion ? null : completionExecutor, shutdownTimeout.toMillis(),
                    operationTimeout.toNanos(), threadNamePrefix != null ? threadNamePrefix : name, threadFactory,
                    eventLoopGroup, writesOnCallerThread));
        }

        /** The backend the operator's property or environment variable names, else AUTO. */
        private static Backend configuredBackend() {
            String property = System.getProperty(BACKEND_PROPERTY);
            String variable = property == null ? System.getenv(BACKEND_VARIABLE) : null;
            String value = property != null ? property : variable;
            if (value == null || value.isBlank() && variable != null) {
                return Backend.AUTO; // an empty variable, as a shell leaves it, is no setting
            }
            try {
                return Backend.parse(value);
            } catch (IllegalArgumentException e) {
                throw new IllegalStateException("invalid " + (property != null ? "system property " + BACKEND_PROPERTY
                        : "environment variable " + BACKEND_VARIABLE) + "=" + value
                        + ": the allowed values are auto, io_uring, nio", e);
            }
        }

        /**
         * Runs the engine on the event loops of {@code group} instead of threads of its own: a Netty 4.2
         * {@code MultiThreadIoEventLoopGroup} built with {@code IoUringIoHandler.newFactory()}, typically the one a
         * server's channels run on. The engine registers a handle on each of the group's loops and starts no ring
         * threads (its NIO pool still runs operations io_uring has no opcode for).
         *
         * <p>Threads: an operation issued on one of the group's loops is submitted straight into that loop's ring,
         * and its future completes on that same loop, with no executor and no thread hop (the steps of whole-file
         * operations too). Its dependent stages therefore run on the loop, which must never block: no blocking
         * calls there, and a blocking wait for a Ringfile future there throws {@link IllegalStateException}.
         * Operations issued on other threads go to one of the loops and complete on the completion executor.
         *
         * <p>Fallback: if the group's loops are not io_uring loops (epoll, NIO) the engine runs as without this
         * setting, on rings of its own where io_uring works, else on the NIO pool, and {@link
         * FileEngine#fallbackReason()} says why; futures of operations issued on the group's loops still complete on
         * the issuing loop.
         *
         * <p>Lifetime: closing the engine never shuts the group down; shutting the group down stops the engine's
         * rings: operations in flight complete (failing with {@code AsynchronousCloseException} where the kernel
         * still holds them, their buffers kept referenced until it is done), and later ones fail. Close the engine
         * before the group to finish operations in flight first.
         *
         * @param group the event loop group to share; null runs the engine on threads of its own (the default)
         * @return this builder
         */
        public Builder eventLoopGroup(EventLoopGroup group) {
            this.eventLoopGroup = group;
            return this;
        }

        /** These settings in a new builder (the default engine's configuration is applied to a copy). */
        Builder copy() {
            Builder copy = new Builder();
            copy.backend = backend;
            copy.name = name;
            copy.metrics = metrics;
            copy.rings = rings;
            copy.ringSize = ringSize;
            copy.maxInFlight = maxInFlight;
            copy.maxQueued = maxQueued;
            copy.boundedKernelWorkers = boundedKernelWorkers;
            copy.unboundedKernelWorkers = unboundedKernelWorkers;
            copy.nioThreads = nioThreads;
            copy.completionExecutor = completionExecutor;
            copy.eventLoopGroup = eventLoopGroup;
            copy.inlineCompletion = inlineCompletion;
            copy.writesOnCallerThread = writesOnCallerThread;
            copy.shutdownTimeout = shutdownTimeout;
            copy.operationTimeout = operationTimeout;
            copy.threadNamePrefix = threadNamePrefix;
            copy.threadFactory = threadFactory;
            return copy;
        }

        /** Makes every thread of a user's factory a daemon thread: for the default engine, which nobody closes. */
        Builder daemonThreads() {
            ThreadFactory user = threadFactory;
            if (user != null) {
                threadFactory = task -> {
                    Thread thread = user.newThread(task);
                    if (thread != null) {
                        thread.setDaemon(true);
                    }
                    return thread;
                };
            }
            return this;
        }

        private static int positive(int value, String name) {
            if (value < 1) {
                throw new IllegalArgumentException(name + " must be positive: " + value);
            }
            return value;
        }
    }
}
