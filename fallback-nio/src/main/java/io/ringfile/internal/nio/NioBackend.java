package io.ringfile.internal.nio;

import io.ringfile.internal.backend.BackendFile;
import io.ringfile.internal.backend.Completion;
import io.ringfile.internal.backend.FileBackend;
import io.ringfile.internal.backend.OpenSpec;
import io.ringfile.internal.backend.PlatformPaths;

import java.io.IOException;
import java.nio.channels.AsynchronousCloseException;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.FileChannel;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.ClosedFileSystemException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The portable backend: blocking {@link FileChannel} calls on a bounded pool of daemon threads. Works on every
 * platform and every {@link java.nio.file.FileSystem} provider. Idle pool threads end after a minute.
 */
public final class NioBackend implements FileBackend {
    private static final long IDLE_THREAD_SECONDS = 60;

    private final ThreadPoolExecutor pool;
    private final Set<NioFile> openFiles = ConcurrentHashMap.newKeySet();
    private final CompletableFuture<Void> terminated = new CompletableFuture<>();
    private volatile boolean shutdown;

    /**
     * A backend with {@code threads} pool threads from {@code factory}, or, when it is null, daemon threads named
     * {@code namePrefix-N}.
     */
    public NioBackend(int threads, String namePrefix, ThreadFactory factory) {
        if (threads < 1) {
            throw new IllegalArgumentException("threads must be positive: " + threads);
        }
        this.pool = new ThreadPoolExecutor(threads, threads, IDLE_THREAD_SECONDS, TimeUnit.SECONDS,
                new LinkedBlockingQueue<>(), factory != null ? factory : daemonThreads(namePrefix));
        pool.allowCoreThreadTimeOut(true);
    }

    private static ThreadFactory daemonThreads(String prefix) {
        AtomicInteger count = new AtomicInteger();
        return task -> {
            Thread thread = new Thread(task, prefix + "-" + count.incrementAndGet());
            thread.setDaemon(true);
            return thread;
        };
    }

    @Override
    public String name() {
        return "nio";
    }

    @Override
    public CompletableFuture<BackendFile> open(OpenSpec spec) {
        CompletableFuture<BackendFile> result = new CompletableFuture<>();
        execute(() -> {
            try {
                NioFile file = NioFile.open(this, spec);
                openFiles.add(file);
                if (shutdown) { // raced with shutdown: it may not have seen this file
                    file.close(IGNORE);
                    throw new ClosedFileSystemException();
                }
                result.complete(file);
            } catch (Throwable e) {
                result.completeExceptionally(NioErrors.translate(e, spec.path()));
            }
        }, () -> result.completeExceptionally(new ClosedFileSystemException()));
        return result;
    }

    @Override
    public CompletableFuture<Long> size(Path path) {
        return call(path, () -> Files.size(path));
    }

    @Override
    public CompletableFuture<BasicFileAttributes> readAttributes(Path path, boolean followLinks) {
        return call(path, () -> followLinks ? Files.readAttributes(path, BasicFileAttributes.class)
                : Files.readAttributes(path, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS));
    }

    @Override
    public CompletableFuture<Void> createDirectory(Path dir, int mode) {
        return call(dir, () -> {
            if (dir.getFileSystem().supportedFileAttributeViews().contains("posix")) {
                Files.createDirectory(dir, PosixFilePermissions.asFileAttribute(permissions(mode)));
            } else {
                Files.createDirectory(dir);
            }
            return null;
        });
    }

    private static Set<PosixFilePermission> permissions(int mode) {
        Set<PosixFilePermission> set = EnumSet.noneOf(PosixFilePermission.class);
        for (PosixFilePermission p : PosixFilePermission.values()) {
            if ((mode & (0400 >> p.ordinal())) != 0) {
                set.add(p);
            }
        }
        return set;
    }

    @Override
    public CompletableFuture<Boolean> delete(Path path, boolean ifExists) {
        return call(path, () -> {
            if (ifExists) {
                return Files.deleteIfExists(path);
            }
            Files.delete(path);
            return true;
        });
    }

    /**
     * With {@code replaceExisting}, rename(2). Without it, as the io_uring backend's RENAME_NOREPLACE where the file
     * system allows, see {@link #renameNoReplace}.
     */
    @Override
    public CompletableFuture<Void> rename(Path source, Path target, boolean replaceExisting) {
        return call(source, () -> {
            if (replaceExisting) {
                Files.move(source, target, StandardCopyOption.ATOMIC_MOVE);
            } else {
                renameNoReplace(source, target);
            }
            return null;
        });
    }

    /**
     * Renames {@code source} to {@code target} unless {@code target} exists, atomically for everything but a
     * directory on the default file system: link(2) gives the source's file the target's name, failing with EEXIST
     * if the target exists in the same step (and never following a symbolic link), then unlink(2) removes the source
     * name. Two concurrent calls onto one target can therefore never both succeed. What differs from a rename: for
     * a moment the file has both names (a crash then leaves both; no data is lost), and file watchers see a create
     * and a delete. If the unlink fails, the new name is removed again if it still names that file, and the unlink's
     * error is thrown.
     *
     * <p>Directories (which cannot be hard-linked), other file-system providers, and file systems that refuse the
     * link (no hard links, {@code fs.protected_hardlinks}, too many links) fall back to what {@code Files.move}
     * does: check that the target is absent, then rename. That is not atomic: a target created in between is
     * replaced. Across file systems it fails with {@link AtomicMoveNotSupportedException}, as rename(2) does.
     */
    static void renameNoReplace(Path source, Path target) throws IOException {
        if (PlatformPaths.isLocal(source) && PlatformPaths.isLocal(target)) {
            BasicFileAttributes file = Files.readAttributes(source, BasicFileAttributes.class,
                    LinkOption.NOFOLLOW_LINKS);
            if (!file.isDirectory() && linkUnlessTaken(source, target)) {
                try {
                    Files.delete(source);
                } catch (IOException e) {
                    unlinkIfSameFile(target, file.fileKey(), e);
                    throw e;
                }
                return;
            }
        }
        if (Files.exists(target, LinkOption.NOFOLLOW_LINKS)) {
            throw new FileAlreadyExistsException(target.toString());
        }
        Files.move(source, target, StandardCopyOption.ATOMIC_MOVE);
    }

    /**
     * link(2) {@code target} to {@code source}'s file: true once linked; false when this file system refuses hard
     * links here (the caller falls back). Throws FileAlreadyExistsException when the target exists, and
     * AtomicMoveNotSupportedException across file systems.
     */
    private static boolean linkUnlessTaken(Path source, Path target) throws IOException {
        try {
            Files.createLink(target, source);
            return true;
        } catch (FileAlreadyExistsException e) {
            throw e;
        } catch (FileSystemException e) {
            if (e.getClass() == FileSystemException.class && "Invalid cross-device link".equals(e.getReason())) {
                throw new AtomicMoveNotSupportedException(source.toString(), target.toString(), e.getReason());
            }
            return false; // EPERM, EMLINK, ENOTSUP...: the fallback reports the outcome as Files.move would
        } catch (UnsupportedOperationException e) {
            return false;
        }
    }

    /** Undoes a link whose source could not be unlinked, if {@code target} still names the linked file. */
    private static void unlinkIfSameFile(Path target, Object fileKey, IOException cause) {
        try {
            Object now = Files.readAttributes(target, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS).fileKey();
            if (fileKey != null && fileKey.equals(now)) {
                Files.delete(target);
            }
        } catch (IOException e) {
            cause.addSuppressed(e);
        }
    }

    @Override
    public CompletableFuture<Void> createLink(Path link, Path existing) {
        return call(link, () -> {
            Files.createLink(link, existing);
            return null;
        });
    }

    @Override
    public CompletableFuture<Void> createSymbolicLink(Path link, Path target) {
        return call(link, () -> {
            Files.createSymbolicLink(link, target);
            return null;
        });
    }

    /** A blocking call on the pool; its exceptions are translated as every NIO backend outcome is. */
    public interface BlockingCall<T> {
        T call() throws IOException;
    }

    /** Tasks waiting for a pool thread. Any thread. */
    public int queuedTasks() {
        return pool.getQueue().size();
    }

    /** Pool threads running a task now (approximate, as {@link ThreadPoolExecutor#getActiveCount()}). */
    public int activeThreads() {
        return pool.getActiveCount();
    }

    /** Pool threads alive. */
    public int threads() {
        return pool.getPoolSize();
    }

    /** Runs {@code call} on the pool; failures name {@code path} and use the same types as the io_uring backend. */
    public <T> CompletableFuture<T> call(Path path, BlockingCall<T> call) {
        CompletableFuture<T> result = new CompletableFuture<>();
        execute(() -> {
            try {
                result.complete(call.call());
            } catch (Throwable e) {
                result.completeExceptionally(NioErrors.translate(e, path));
            }
        }, () -> result.completeExceptionally(new ClosedFileSystemException()));
        return result;
    }

    /** A blocking file operation that yields a long. */
    interface IoCall {
        long call() throws IOException;
    }

    /** Runs {@code call} on the pool and reports its outcome to {@code completion}. */
    void run(Path path, Completion completion, IoCall call) {
        execute(() -> {
            long result;
            try {
                result = call.call();
            } catch (Throwable e) {
                completion.failed(NioErrors.translate(e, path));
                return;
            }
            completion.completed(result);
        }, () -> completion.failed(new AsynchronousCloseException()));
    }

    /**
     * Runs blocking work on the pool: {@code task}, or, if the pool refuses it or drops it unstarted at a forced
     * shutdown, {@code onRefused}, which reports that instead, so that no operation is ever lost. Any thread.
     */
    public void execute(Runnable task, Runnable onRefused) {
        Job job = new Job(task, onRefused);
        try {
            pool.execute(job);
        } catch (Throwable e) { // shut down, or could not even be queued (out of memory): report that instead
            job.refuse();
        }
    }

    /** A queued task and what to report if it never runs. */
    private static final class Job implements Runnable {
        private final Runnable task;
        private final Runnable onRefused;

        Job(Runnable task, Runnable onRefused) {
            this.task = task;
            this.onRefused = onRefused;
        }

        @Override
        public void run() {
            task.run();
        }

        void refuse() {
            onRefused.run();
        }
    }

    void forget(NioFile file) {
        openFiles.remove(file);
    }

    static final Completion IGNORE = new Completion() {
        @Override
        public void completed(long result) {
        }

        @Override
        public void failed(Throwable error) {
        }
    };

    @Override
    public CompletableFuture<Void> shutdown(long timeoutMillis) {
        synchronized (this) {
            if (shutdown) {
                return terminated;
            }
            shutdown = true;
        }
        for (NioFile file : openFiles) {
            file.close(IGNORE);
        }
        pool.shutdown(); // queued tasks still run; they find their channels closed and fail at once
        Thread waiter = new Thread(() -> awaitTermination(timeoutMillis), "ringfile-nio-shutdown");
        waiter.setDaemon(true);
        waiter.start();
        return terminated;
    }

    private void awaitTermination(long timeoutMillis) {
        try {
            if (!pool.awaitTermination(timeoutMillis, TimeUnit.MILLISECONDS)) {
                // Out of time: tasks that never started fail; running ones are interrupted (a FileChannel call
                // then ends with ClosedByInterruptException) and get a last moment to finish, opens included,
                // whose channels are closed as soon as they exist.
                for (Runnable task : pool.shutdownNow()) {
                    ((Job) task).refuse();
                }
                pool.awaitTermination(REAP_MILLIS, TimeUnit.MILLISECONDS);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        terminated.complete(null);
    }
}
