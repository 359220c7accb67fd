package io.ringfile;

import io.ringfile.internal.EngineImpl;

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
import java.util.concurrent.Flow;
import java.util.concurrent.ForkJoinPool;

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

        /** Parses {@code auto}, {@code io_uring} or {@code nio}, ignoring case. */
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

    /** An engine with default settings (backend {@link Backend#AUTO}). */
    static FileEngine create() {
        return builder().build();
    }

    static Builder builder() {
        return new Builder();
    }

    /** The backend actually running: {@link Backend#IO_URING} or {@link Backend#NIO}, never AUTO. */
    Backend backend();

    /** Why io_uring is not running, for example {@code "io_uring unavailable: ..."}; empty when it runs. */
    Optional<String> fallbackReason();

    /** As {@link java.nio.file.Files#newByteChannel(Path, OpenOption...)}: READ unless other options say else. */
    CompletableFuture<AsyncFile> open(Path path, OpenOption... options);

    /** As {@link java.nio.channels.AsynchronousFileChannel#open(Path, Set, java.util.concurrent.ExecutorService,
     * FileAttribute[])}, with {@code posix:permissions} as the one supported attribute. */
    CompletableFuture<AsyncFile> open(Path path, Set<? extends OpenOption> options, FileAttribute<?>... attributes);

    /**
     * As {@link java.nio.file.Files#readAllBytes(Path)}. A file that cannot seek (a FIFO or other pipe, a socket, a
     * channel of another file-system provider that cannot be positioned) is read in order until its end, as there;
     * so are the text readers ({@link #readString}, {@link #readAllLines}, {@link #lines}, {@link #newBufferedReader})
     * and, for writing, {@link #write}, {@link #writeString} and {@link #newBufferedWriter}.
     */
    CompletableFuture<byte[]> readAllBytes(Path path);

    /** As {@link java.nio.file.Files#readString(Path)}: UTF-8; malformed input fails with MalformedInputException. */
    CompletableFuture<String> readString(Path path);

    /** As {@link java.nio.file.Files#readString(Path, Charset)}. */
    CompletableFuture<String> readString(Path path, Charset charset);

    /** As {@link java.nio.file.Files#write(Path, byte[], OpenOption...)}: CREATE, TRUNCATE_EXISTING, WRITE by default. */
    CompletableFuture<Path> write(Path path, byte[] bytes, OpenOption... options);

    /** As {@link java.nio.file.Files#writeString(Path, CharSequence, OpenOption...)}: UTF-8. */
    CompletableFuture<Path> writeString(Path path, CharSequence text, OpenOption... options);

    /** As {@link java.nio.file.Files#writeString(Path, CharSequence, Charset, OpenOption...)}. */
    CompletableFuture<Path> writeString(Path path, CharSequence text, Charset charset, OpenOption... options);

    /** As {@link java.nio.file.Files#size(Path)}. Through the ring (STATX) on io_uring. */
    CompletableFuture<Long> size(Path path);

    // ---- text and lines (built on positional reads and writes, so the same on every backend)

    /** As {@link java.nio.file.Files#readAllLines(Path)}: UTF-8; malformed input fails with MalformedInputException. */
    CompletableFuture<List<String>> readAllLines(Path path);

    /** As {@link java.nio.file.Files#readAllLines(Path, Charset)}. */
    CompletableFuture<List<String>> readAllLines(Path path, Charset charset);

    /**
     * The file's lines, as {@link java.nio.file.Files#lines(Path)} but pushed with backpressure: each subscription
     * opens the file, reads only as far as demand needs (memory stays bounded whatever the file size) and closes
     * it when done, failed or cancelled. UTF-8.
     */
    Flow.Publisher<String> lines(Path path);

    /** As {@link #lines(Path)} in {@code charset}. */
    Flow.Publisher<String> lines(Path path, Charset charset);

    /** A reader with {@code readLine()}, as {@link java.nio.file.Files#newBufferedReader(Path)}: UTF-8. */
    CompletableFuture<AsyncReader> newBufferedReader(Path path);

    /** As {@link #newBufferedReader(Path)} in {@code charset}. */
    CompletableFuture<AsyncReader> newBufferedReader(Path path, Charset charset);

    /**
     * A buffered writer, as {@link java.nio.file.Files#newBufferedWriter(Path, OpenOption...)}: UTF-8; CREATE,
     * TRUNCATE_EXISTING, WRITE when no options are given.
     */
    CompletableFuture<AsyncWriter> newBufferedWriter(Path path, OpenOption... options);

    /** As {@link #newBufferedWriter(Path, OpenOption...)} in {@code charset}. */
    CompletableFuture<AsyncWriter> newBufferedWriter(Path path, Charset charset, OpenOption... options);

    // ---- file-system operations. Each says where it runs: "ring" means an io_uring opcode on the io_uring
    // backend (the pool on NIO); "pool" means the blocking NIO pool on every backend (io_uring has no opcode).

    /** As {@link java.nio.file.Files#exists(Path, LinkOption...)}: false also when existence cannot be told. Ring. */
    CompletableFuture<Boolean> exists(Path path, LinkOption... options);

    /** As {@link java.nio.file.Files#notExists(Path, LinkOption...)}: true only when the file surely is absent. Ring. */
    CompletableFuture<Boolean> notExists(Path path, LinkOption... options);

    /** As {@link java.nio.file.Files#isDirectory(Path, LinkOption...)}. Ring. */
    CompletableFuture<Boolean> isDirectory(Path path, LinkOption... options);

    /** As {@link java.nio.file.Files#isRegularFile(Path, LinkOption...)}. Ring. */
    CompletableFuture<Boolean> isRegularFile(Path path, LinkOption... options);

    /**
     * As {@link java.nio.file.Files#readAttributes(Path, Class, LinkOption...)}. {@code BasicFileAttributes} come from
     * the ring (STATX); other attribute types (POSIX, owner) from the pool.
     */
    <A extends BasicFileAttributes> CompletableFuture<A> readAttributes(Path path, Class<A> type,
                                                                        LinkOption... options);

    /** As {@link java.nio.file.Files#delete(Path)}: a file, link or empty directory. Ring (UNLINKAT). */
    CompletableFuture<Void> delete(Path path);

    /** As {@link java.nio.file.Files#deleteIfExists(Path)}. Ring (UNLINKAT). */
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
     */
    CompletableFuture<Path> move(Path source, Path target, CopyOption... options);

    /**
     * As {@link java.nio.file.Files#copy(Path, Path, CopyOption...)}. Pool: the JDK's copy moves the bytes in native
     * memory (or in the kernel), never through the Java heap.
     */
    CompletableFuture<Path> copy(Path source, Path target, CopyOption... options);

    /** As {@link java.nio.file.Files#createDirectory(Path, FileAttribute...)}. Ring (MKDIRAT). */
    CompletableFuture<Path> createDirectory(Path dir, FileAttribute<?>... attributes);

    /** As {@link java.nio.file.Files#createDirectories(Path, FileAttribute...)}. Ring (MKDIRAT per level). */
    CompletableFuture<Path> createDirectories(Path dir, FileAttribute<?>... attributes);

    /** The entries of a directory, as {@link java.nio.file.Files#list(Path)} collected. Pool. */
    CompletableFuture<List<Path>> list(Path dir);

    /** As {@link java.nio.file.Files#createLink(Path, Path)}. Ring (LINKAT). */
    CompletableFuture<Path> createLink(Path link, Path existing);

    /** As {@link java.nio.file.Files#createSymbolicLink(Path, Path, FileAttribute...)}. Ring (SYMLINKAT). */
    CompletableFuture<Path> createSymbolicLink(Path link, Path target, FileAttribute<?>... attributes);

    /** As {@link java.nio.file.Files#readSymbolicLink(Path)}. Pool. */
    CompletableFuture<Path> readSymbolicLink(Path link);

    /** As {@link java.nio.file.Files#setLastModifiedTime(Path, FileTime)}. Pool. */
    CompletableFuture<Path> setLastModifiedTime(Path path, FileTime time);

    /** As {@link java.nio.file.Files#getPosixFilePermissions(Path, LinkOption...)}. Pool. */
    CompletableFuture<Set<PosixFilePermission>> getPosixFilePermissions(Path path, LinkOption... options);

    /** As {@link java.nio.file.Files#setPosixFilePermissions(Path, Set)}. Pool. */
    CompletableFuture<Path> setPosixFilePermissions(Path path, Set<PosixFilePermission> permissions);

    // ---- temporary files

    /** As {@link java.nio.file.Files#createTempFile(Path, String, String, FileAttribute...)}: mode 0600 by default. Ring. */
    CompletableFuture<Path> createTempFile(Path dir, String prefix, String suffix, FileAttribute<?>... attributes);

    /** As {@link java.nio.file.Files#createTempFile(String, String, FileAttribute...)}, in {@code java.io.tmpdir}. */
    CompletableFuture<Path> createTempFile(String prefix, String suffix, FileAttribute<?>... attributes);

    /** As {@link java.nio.file.Files#createTempDirectory(Path, String, FileAttribute...)}: mode 0700 by default. Ring. */
    CompletableFuture<Path> createTempDirectory(Path dir, String prefix, FileAttribute<?>... attributes);

    /** As {@link java.nio.file.Files#createTempDirectory(String, FileAttribute...)}, in {@code java.io.tmpdir}. */
    CompletableFuture<Path> createTempDirectory(String prefix, FileAttribute<?>... attributes);

    /**
     * A new temporary file, open for reading and writing, that is deleted when it is closed (aiofiles'
     * NamedTemporaryFile: it has a name while open). {@code dir} null means {@code java.io.tmpdir}. For a file with
     * no name at all, open a {@link #createTempFile} path with {@code DELETE_ON_CLOSE}.
     */
    CompletableFuture<AsyncFile> openTempFile(Path dir, String prefix, String suffix);

    /** A new temporary directory that {@link TempDirectory#close()} deletes with everything in it. */
    CompletableFuture<TempDirectory> openTempDirectory(Path dir, String prefix);

    // ---- durable replacement

    /**
     * Replaces the file's content atomically and durably: writes a temporary file in the same directory, fsyncs
     * it, renames it over {@code target} and fsyncs the directory. After a crash the file holds the old content or
     * the new, never a mix. Each step is issued when the one before has completed (not as linked SQEs: Netty may
     * flush a full submission queue mid-chain, which would cut the link and let the rename overtake the fsync).
     */
    CompletableFuture<Path> writeAtomically(Path target, byte[] bytes);

    /** As {@link #writeAtomically(Path, byte[])} with the text encoded in UTF-8. */
    CompletableFuture<Path> writeAtomically(Path target, CharSequence text);

    /** As {@link #writeAtomically(Path, byte[])} with the text encoded in {@code charset}. */
    CompletableFuture<Path> writeAtomically(Path target, CharSequence text, Charset charset);

    /** Closes open files and stops the engine's threads, waiting at most the shutdown timeout. Idempotent. */
    @Override
    void close();

    /** Settings for a {@link FileEngine}. Not thread-safe; each {@link #build()} makes a new engine. */
    final class Builder {
        private Backend backend = Backend.AUTO;
        private int rings = Runtime.getRuntime().availableProcessors();
        private int ringSize = 256;
        private int nioThreads = Math.max(8, 4 * Runtime.getRuntime().availableProcessors());
        private Executor completionExecutor = ForkJoinPool.commonPool();
        private boolean inlineCompletion;
        private Duration shutdownTimeout = Duration.ofSeconds(10);
        private String threadNamePrefix = "ringfile";

        Builder() {
        }

        /** The backend to run; default {@link Backend#AUTO}. */
        public Builder backend(Backend backend) {
            this.backend = Objects.requireNonNull(backend, "backend");
            return this;
        }

        /** Number of io_uring rings, each with its own thread; default: available processors. */
        public Builder rings(int rings) {
            this.rings = positive(rings, "rings");
            return this;
        }

        /** Submission queue entries per ring; default 256. In-flight operations are not limited by it. */
        public Builder ringSize(int ringSize) {
            this.ringSize = positive(ringSize, "ringSize");
            return this;
        }

        /** Threads of the NIO backend's pool; default max(8, 4 x available processors). */
        public Builder nioThreads(int threads) {
            this.nioThreads = positive(threads, "nioThreads");
            return this;
        }

        /**
         * Where returned futures complete, and so where their dependent stages run; default
         * {@link ForkJoinPool#commonPool()}. A future with no dependent stage and a thread blocked in its
         * {@code join()} or {@code get()} is completed by that thread instead.
         */
        public Builder completionExecutor(Executor executor) {
            this.completionExecutor = Objects.requireNonNull(executor, "executor");
            return this;
        }

        /**
         * Complete futures directly on the I/O thread. Saves a thread hop per operation, but dependent stages then
         * run on that thread and must never block: a blocked ring stalls every file on it. Default false.
         */
        public Builder inlineCompletion(boolean inline) {
            this.inlineCompletion = inline;
            return this;
        }

        /** How long {@link FileEngine#close()} waits for operations in flight; default 10 seconds. */
        public Builder shutdownTimeout(Duration timeout) {
            if (timeout.isNegative()) {
                throw new IllegalArgumentException("negative timeout: " + timeout);
            }
            this.shutdownTimeout = timeout;
            return this;
        }

        /** Prefix of the engine's thread names; default "ringfile". */
        public Builder threadNamePrefix(String prefix) {
            this.threadNamePrefix = Objects.requireNonNull(prefix, "prefix");
            return this;
        }

        /**
         * Starts the engine.
         *
         * @throws UnsupportedOperationException if {@link Backend#IO_URING} was required and cannot run here; the
         *     cause says why
         */
        public FileEngine build() {
            return EngineImpl.start(backend, rings, ringSize, nioThreads, inlineCompletion ? null : completionExecutor,
                    shutdownTimeout.toMillis(), threadNamePrefix);
        }

        private static int positive(int value, String name) {
            if (value < 1) {
                throw new IllegalArgumentException(name + " must be positive: " + value);
            }
            return value;
        }
    }
}
