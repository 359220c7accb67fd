package io.ringfile.internal;

import io.ringfile.internal.backend.BackendFile;
import io.ringfile.internal.backend.FileBackend;
import io.ringfile.internal.backend.OpenSpec;

import java.io.IOException;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.concurrent.CompletableFuture;
import java.util.function.Supplier;


/**
 * A backend's opens and path operations, each admitted against the engine's {@link Admission} limit (refused at
 * once past it) and counted in its {@link Metrics} when those are on. File operations (reads, writes, forces,
 * closes) are admitted and counted by their {@link Op}s instead. Same threads as the backend.
 */
final class AccountedBackend implements FileBackend {
    private final FileBackend backend;
    private final Admission admission;
    private final Metrics metrics;
    private final Deadlines deadlines;
    private final long timeoutNanos;

    AccountedBackend(FileBackend backend, Admission admission, Metrics metrics, Deadlines deadlines,
                     long timeoutNanos) {
        this.backend = backend;
        this.admission = admission;
        this.metrics = metrics;
        this.deadlines = deadlines;
        this.timeoutNanos = timeoutNanos;
    }

    @Override
    public String name() {
        return backend.name();
    }

    @Override
    public CompletableFuture<BackendFile> open(OpenSpec spec) {
        return accounted(Metrics.OPEN, spec.path(), "open", () -> backend.open(spec));
    }

    /** Made on the caller's thread, where it waits for nothing: counted, never refused. */
    @Override
    public BackendFile openOnCallerThread(OpenSpec spec) throws IOException {
        long started = System.nanoTime();
        Object event = Jfr.begin(Metrics.OPEN);
        BackendFile file;
        try {
            file = backend.openOnCallerThread(spec);
        } catch (IOException | RuntimeException e) {
            openFailedHere(spec, started, event, e);
            throw e;
        }
        if (file != null) {
            openedHere(spec, started, event);
        }
        return file;
    }

    /** Made on the caller's thread, where it waits for nothing: counted when it opened, never refused. */
    @Override
    public WholeRead openCachedOnCallerThread(OpenSpec spec) throws IOException {
        long started = System.nanoTime();
        Object event = Jfr.begin(Metrics.OPEN);
        WholeRead got;
        try {
            got = backend.openCachedOnCallerThread(spec);
        } catch (IOException | RuntimeException e) {
            openFailedHere(spec, started, event, e);
            throw e;
        }
        if (got != null && got.file() != null) {
            openedHere(spec, started, event);
        }
        return got;
    }

    /** Counts an open made on the caller's thread (not one the backend declined). */
    private void openedHere(OpenSpec spec, long started, Object event) {
        metrics.completedHere(Metrics.OPEN, started, 0);
        metrics.event(event, spec.path(), -1, 0, "open", null);
    }

    private void openFailedHere(OpenSpec spec, long started, Object event, Exception e) {
        metrics.failedHere(Metrics.OPEN, started);
        metrics.event(event, spec.path(), -1, 0, "open", e);
    }

    /**
     * Made on the caller's thread, never refused. It counts its open and, when it read the file, a read and a close,
     * all with the time of the whole.
     */
    @Override
    public WholeRead readAllOnCallerThread(OpenSpec spec, int sizeLimit) throws IOException {
        long started = System.nanoTime();
        Object event = Jfr.begin(Metrics.READ);
        WholeRead read;
        try {
            read = backend.readAllOnCallerThread(spec, sizeLimit);
        } catch (IOException | RuntimeException e) {
            metrics.failedHere(Metrics.OPEN, started);
            metrics.event(event, spec.path(), 0, 0, null, e);
            throw e;
        }
        if (read != null && read.held() == null) {
            metrics.completedHere(Metrics.OPEN, started, 0);
            if (read.bytes() != null) {
                metrics.completedHere(Metrics.READ, started, read.bytes().length);
                metrics.completedHere(Metrics.CLOSE, started, 0);
                metrics.event(event, spec.path(), 0, read.bytes().length, null, null);
            }
        }
        return read;
    }

    @Override
    public CompletableFuture<Long> size(Path path) {
        return accounted(Metrics.STAT, path, "size", () -> backend.size(path));
    }

    /** Made on the caller's thread, where it waits for nothing: counted when it answered, never refused. */
    @Override
    public BasicFileAttributes readAttributesOnCallerThread(Path path, boolean followLinks) {
        long started = System.nanoTime();
        Object event = Jfr.begin(Metrics.STAT);
        BasicFileAttributes attributes = backend.readAttributesOnCallerThread(path, followLinks);
        if (attributes != null) {
            metrics.completedHere(Metrics.STAT, started, 0);
            metrics.event(event, path, -1, 0, "readAttributes", null);
        }
        return attributes;
    }

    @Override
    public CompletableFuture<BasicFileAttributes> readAttributes(Path path, boolean followLinks) {
        return accounted(Metrics.STAT, path, "readAttributes", () -> backend.readAttributes(path, followLinks));
    }

    @Override
    public CompletableFuture<Void> createDirectory(Path dir, int mode) {
        return accounted(Metrics.PATH, dir, "createDirectory", () -> backend.createDirectory(dir, mode));
    }

    @Override
    public CompletableFuture<Boolean> delete(Path path, boolean ifExists) {
        return accounted(Metrics.PATH, path, "delete", () -> backend.delete(path, ifExists));
    }

    @Override
    public CompletableFuture<Void> rename(Path source, Path target, boolean replaceExisting) {
        return accounted(Metrics.PATH, source, "move", () -> backend.rename(source, target, replaceExisting));
    }

    @Override
    public CompletableFuture<Void> createLink(Path link, Path existing) {
        return accounted(Metrics.PATH, link, "createLink", () -> backend.createLink(link, existing));
    }

    @Override
    public CompletableFuture<Void> createSymbolicLink(Path link, Path target) {
        return accounted(Metrics.PATH, link, "createSymbolicLink", () -> backend.createSymbolicLink(link, target));
    }

    @Override
    public CompletableFuture<Void> shutdown(long timeoutMillis) {
        return backend.shutdown(timeoutMillis);
    }

    /**
     * Runs {@code request} if the engine admits it, counting it as {@code kind} on {@code path}; else fails at once,
     * counted too.
     */
    private <T> CompletableFuture<T> accounted(int kind, Path path, String operation,
                                               Supplier<CompletableFuture<T>> request) {
        return accounted(admission, metrics, deadlines, timeoutNanos, kind, path, operation, request);
    }

    /**
     * As {@link #accounted(int, Path, String, Supplier)}, for requests the engine makes of a backend directly; with
     * {@code admission} null (a cleanup, which must not be refused) only counted; with {@code timeoutNanos} over 0
     * the returned future fails with a {@link java.util.concurrent.TimeoutException} if the outcome is later (a
     * file opened after that is closed).
     */
    static <T> CompletableFuture<T> accounted(Admission admission, Metrics metrics, Deadlines deadlines,
                                              long timeoutNanos, int kind, Path path, String operation,
                                              Supplier<CompletableFuture<T>> request) {
        long started = metrics.counting ? metrics.start(kind) : 0L;
        Object event = Jfr.begin(kind);
        if (admission != null && !admission.enter()) {
            Throwable refusal = admission.refusal();
            ended(null, metrics, kind, started, event, path, operation, refusal);
            return CompletableFuture.failedFuture(refusal);
        }
        CompletableFuture<T> step;
        try {
            step = request.get();
        } catch (RuntimeException | Error e) {
            ended(admission, metrics, kind, started, event, path, operation, e);
            throw e;
        }
        if (step.isDone()) {
            ended(admission, metrics, kind, started, event, path, operation, step.isCompletedExceptionally()
                    ? step.handle((value, error) -> error).join() : null);
            return step;
        }
        // Counted before anyone sees the outcome: a caller that finds its future done finds it counted too.
        CompletableFuture<T> counted = new CompletableFuture<>();
        io.netty.util.Timeout due = timeoutNanos > 0
                ? deadlines.watch(counted, timeoutNanos, operation + " of " + path, () -> { }) : null;
        step.whenComplete((value, error) -> {
            if (due != null) {
                due.cancel();
            }
            boolean late = counted.isDone(); // timed out
            ended(admission, metrics, kind, started, event, path, operation, late && error == null
                    ? new java.util.concurrent.TimeoutException("late") : error);
            if (error != null) {
                counted.completeExceptionally(error);
            } else if (!counted.complete(value) && value instanceof BackendFile) {
                ((BackendFile) value).close(DISCARD); // opened after its deadline: nobody will close it
            }
        });
        return counted;
    }

    /** The outcome of a close nobody waits for. */
    private static final io.ringfile.internal.backend.Completion DISCARD =
            new io.ringfile.internal.backend.Completion() {
                @Override
                public void completed(long result) {
                }

                @Override
                public void failed(Throwable error) {
                }
            };

    private static void ended(Admission admission, Metrics metrics, int kind, long started, Object event,
                              Path path, String operation, Throwable error) {
        if (admission != null) {
            admission.exit();
        }
        if (metrics.counting) {
            if (error != null) {
                metrics.failed(kind, started);
            } else {
                metrics.completed(kind, started, 0);
            }
        }
        metrics.event(event, path, -1, 0, operation, error);
    }
}
