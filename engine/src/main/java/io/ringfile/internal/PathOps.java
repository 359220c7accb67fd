package io.ringfile.internal;

import io.ringfile.internal.backend.FileBackend;
import io.ringfile.internal.backend.OpenSpec;
import io.ringfile.internal.backend.PlatformPaths;
import io.ringfile.internal.nio.NioBackend;

import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.CopyOption;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.FileAttribute;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.function.Function;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/**
 * File-system operations with the semantics of {@link Files}: through the primary backend where it has an opcode,
 * on the NIO pool otherwise. Internal steps: futures complete on backend threads; the engine delivers them.
 */
final class PathOps {
    private static final int DEFAULT_DIRECTORY_MODE = 0777;

    private final EngineImpl engine;
    private final NioBackend pool;

    PathOps(EngineImpl engine, NioBackend pool) {
        this.engine = engine;
        this.pool = pool;
    }

    private FileBackend backendFor(Path path) {
        return engine.backendFor(Objects.requireNonNull(path, "path"));
    }

    private static boolean follow(LinkOption... options) {
        for (LinkOption option : options) {
            if (Objects.requireNonNull(option, "option") == LinkOption.NOFOLLOW_LINKS) {
                return false;
            }
        }
        return true;
    }

    /**
     * A path's attributes: on the calling thread where the backend can read them without waiting (the future then
     * comes back complete; see {@link CallerStack}), else by the backend.
     */
    CompletableFuture<BasicFileAttributes> basicAttributes(Path path, LinkOption... options) {
        boolean follow = follow(options);
        FileBackend backend = backendFor(path);
        if (CallerStack.mayCompleteHere()) {
            BasicFileAttributes here = backend.readAttributesOnCallerThread(path, follow);
            if (here != null) {
                return EngineFuture.completedHere(here);
            }
        }
        return backend.readAttributes(path, follow);
    }

    CompletableFuture<Boolean> exists(Path path, LinkOption... options) {
        return basicAttributes(path, options).handle((attributes, error) -> error == null || ioFailure(error, false));
    }

    CompletableFuture<Boolean> notExists(Path path, LinkOption... options) {
        return basicAttributes(path, options).handle((attributes, error) ->
                error != null && ioFailure(error, EngineImpl.unwrap(error) instanceof NoSuchFileException));
    }

    CompletableFuture<Boolean> isDirectory(Path path, LinkOption... options) {
        return basicAttributes(path, options).handle((a, error) -> error == null ? a.isDirectory()
                : ioFailure(error, false));
    }

    CompletableFuture<Boolean> isRegularFile(Path path, LinkOption... options) {
        return basicAttributes(path, options).handle((a, error) -> error == null ? a.isRegularFile()
                : ioFailure(error, false));
    }

    /**
     * As {@code Files.exists} and its kin: an I/O error answers {@code answer}; anything else (a closed engine, no
     * memory) is not an answer and fails the call.
     */
    private static boolean ioFailure(Throwable error, boolean answer) {
        Throwable cause = EngineImpl.unwrap(error);
        if (cause instanceof java.io.IOException) {
            return answer;
        }
        throw cause instanceof CompletionException ? (CompletionException) cause : new CompletionException(cause);
    }

    @SuppressWarnings("unchecked")
    <A extends BasicFileAttributes> CompletableFuture<A> readAttributes(Path path, Class<A> type,
                                                                        LinkOption... options) {
        Objects.requireNonNull(path, "path");
        Objects.requireNonNull(type, "type");
        if (type == BasicFileAttributes.class) {
            return (CompletableFuture<A>) basicAttributes(path, options);
        }
        follow(options); // null checks now, as Files makes them, not on the pool
        return engine.poolCall(Metrics.STAT, path, "readAttributes",
                () -> Files.readAttributes(path, type, options));
    }

    CompletableFuture<Boolean> delete(Path path, boolean ifExists) {
        return backendFor(path).delete(path, ifExists);
    }

    /** Checks as Files.move does, in its order: source, target, then each option (COPY_ATTRIBUTES is refused). */
    CompletableFuture<Path> move(Path source, Path target, CopyOption... options) {
        Objects.requireNonNull(source, "source");
        Objects.requireNonNull(target, "target");
        boolean replace = false;
        boolean atomic = false;
        for (CopyOption option : options) {
            if (option == StandardCopyOption.REPLACE_EXISTING) {
                replace = true;
            } else if (option == StandardCopyOption.ATOMIC_MOVE) {
                atomic = true;
            } else if (option == null) {
                throw new NullPointerException("option");
            } else if (option != LinkOption.NOFOLLOW_LINKS) {
                throw new UnsupportedOperationException("Unsupported copy option: " + option);
            }
        }
        if (!PlatformPaths.isLocal(source) || !PlatformPaths.isLocal(target)) {
            return engine.poolCall(Metrics.PATH, source, "move", () -> Files.move(source, target, options));
        }
        FileBackend backend = backendFor(source);
        boolean mustBeAtomic = atomic;
        boolean noReplace = !replace && !atomic;
        return backend.rename(source, target, !noReplace).handle((ok, error) -> {
            if (error == null) {
                return CompletableFuture.completedFuture(target);
            }
            Throwable cause = EngineImpl.unwrap(error);
            if (noReplace && cause instanceof FileAlreadyExistsException) {
                return sameFile(source, target, cause);
            }
            if (!mustBeAtomic && needsMoreThanRename(cause)) { // across file systems, or a type change to replace
                return engine.poolCall(Metrics.PATH, source, "move", () -> Files.move(source, target, options));
            }
            return CompletableFuture.<Path>failedFuture(cause);
        }).thenCompose(Function.identity());
    }

    /**
     * A move refused because the target exists: as Files.move, success without doing anything when source and
     * target are the same file (the same path, or hard links of one file; links not followed), else the refusal.
     */
    private CompletableFuture<Path> sameFile(Path source, Path target, Throwable refusal) {
        return basicAttributes(source, LinkOption.NOFOLLOW_LINKS)
                .thenCombine(basicAttributes(target, LinkOption.NOFOLLOW_LINKS),
                        (a, b) -> a.fileKey() != null && a.fileKey().equals(b.fileKey()))
                .handle((same, error) -> {
                    if (error == null && same) {
                        return target;
                    }
                    throw new CompletionException(refusal);
                });
    }

    /** rename(2) refuses these but Files.move does them (copying, or replacing an empty directory). */
    private static boolean needsMoreThanRename(Throwable cause) {
        if (cause instanceof AtomicMoveNotSupportedException) {
            return true;
        }
        if (cause.getClass() == FileSystemException.class) {
            String reason = ((FileSystemException) cause).getReason();
            return "Is a directory".equals(reason);
        }
        return cause instanceof java.nio.file.NotDirectoryException;
    }

    CompletableFuture<Path> copy(Path source, Path target, CopyOption... options) {
        Objects.requireNonNull(source, "source"); // null checks now, as Files makes them, not on the pool
        Objects.requireNonNull(target, "target");
        for (CopyOption option : options) {
            Objects.requireNonNull(option, "option");
        }
        return engine.poolCall(Metrics.PATH, source, "copy", () -> Files.copy(source, target, options));
    }

    CompletableFuture<Path> createDirectory(Path dir, FileAttribute<?>... attributes) {
        int mode = OpenSpec.mode(DEFAULT_DIRECTORY_MODE, attributes);
        return backendFor(dir).createDirectory(dir, mode).thenApply(ignored -> dir);
    }

    CompletableFuture<Path> createDirectories(Path dir, FileAttribute<?>... attributes) {
        int mode = OpenSpec.mode(DEFAULT_DIRECTORY_MODE, attributes);
        return createLevels(Objects.requireNonNull(dir, "dir").toAbsolutePath(), mode).thenApply(ignored -> dir);
    }

    /** mkdir; a missing parent is created first; an existing directory (also one made by a racer) is success. */
    private CompletableFuture<Void> createLevels(Path dir, int mode) {
        return backendFor(dir).createDirectory(dir, mode).handle((ok, error) -> {
            if (error == null) {
                return CompletableFuture.<Void>completedFuture(null);
            }
            Throwable cause = EngineImpl.unwrap(error);
            if (cause instanceof FileAlreadyExistsException) {
                return existingDirectory(dir, cause);
            }
            if (cause instanceof NoSuchFileException && dir.getParent() != null) {
                return createLevels(dir.getParent(), mode).thenCompose(parent ->
                        backendFor(dir).createDirectory(dir, mode).handle((ok2, error2) -> error2 == null
                                ? CompletableFuture.<Void>completedFuture(null)
                                : existingDirectory(dir, EngineImpl.unwrap(error2))).thenCompose(f -> f));
            }
            return CompletableFuture.<Void>failedFuture(cause);
        }).thenCompose(Function.identity());
    }

    private CompletableFuture<Void> existingDirectory(Path dir, Throwable cause) {
        if (!(cause instanceof FileAlreadyExistsException)) {
            return CompletableFuture.failedFuture(cause);
        }
        return isDirectory(dir).thenApply(isDir -> {
            if (!isDir) {
                throw new CompletionException(cause);
            }
            return null;
        });
    }

    CompletableFuture<List<Path>> list(Path dir) {
        Objects.requireNonNull(dir, "dir");
        return engine.poolCall(Metrics.PATH, dir, "list", () -> {
            try (Stream<Path> entries = Files.list(dir)) {
                return entries.collect(Collectors.toList());
            }
        });
    }

    CompletableFuture<Path> createLink(Path link, Path existing) {
        Objects.requireNonNull(existing, "existing");
        FileBackend backend = engine.isPool(backendFor(link)) ? backendFor(link)
                : engine.isPool(backendFor(existing)) ? backendFor(existing) : backendFor(link);
        return backend.createLink(link, existing).thenApply(ignored -> link);
    }

    CompletableFuture<Path> createSymbolicLink(Path link, Path target, FileAttribute<?>... attributes) {
        Objects.requireNonNull(link, "link");
        Objects.requireNonNull(target, "target");
        if (attributes.length > 0) { // as on the JDK's Unix file systems: a null or unknown attribute first
            OpenSpec.mode(0, attributes);
            throw new UnsupportedOperationException("Initial file attributes not supported when creating symbolic link");
        }
        return backendFor(link).createSymbolicLink(link, target).thenApply(ignored -> link);
    }
}
