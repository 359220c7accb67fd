package io.ringfile.internal;

import io.ringfile.AsyncFile;
import io.ringfile.TempDirectory;
import io.ringfile.internal.backend.OpenSpec;

import java.io.IOException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.FileAttribute;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Function;
import java.util.function.Supplier;

/** Temporary files and directories named as the JDK names them, created with exclusive create. */
final class TempFiles {
    private static final SecureRandom RANDOM = new SecureRandom();
    private static final int ATTEMPTS = 100;
    private static final FileAttribute<?> OWNER_FILE =
            PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------"));
    private static final FileAttribute<?> OWNER_DIRECTORY =
            PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------"));

    private TempFiles() {
    }

    static Path defaultDirectory() {
        return Path.of(System.getProperty("java.io.tmpdir"));
    }

    /** {@code dir/prefix<random>suffix}; prefix and suffix may not name another directory. */
    static Path name(Path dir, String prefix, String suffix, String defaultSuffix) {
        String p = prefix == null ? "" : prefix;
        String s = suffix == null ? defaultSuffix : suffix;
        Path candidate = dir.getFileSystem().getPath(p + Long.toUnsignedString(RANDOM.nextLong()) + s);
        if (candidate.getParent() != null) {
            throw new IllegalArgumentException("Invalid prefix or suffix");
        }
        return dir.resolve(candidate);
    }

    static FileAttribute<?>[] fileAttributes(FileAttribute<?>... attributes) {
        return attributes.length == 0 ? new FileAttribute<?>[] {OWNER_FILE} : attributes;
    }

    static FileAttribute<?>[] directoryAttributes(FileAttribute<?>... attributes) {
        return attributes.length == 0 ? new FileAttribute<?>[] {OWNER_DIRECTORY} : attributes;
    }

    /** Runs {@code attempt} again while the random name is taken. */
    static <T> CompletableFuture<T> retryWhileTaken(Supplier<CompletableFuture<T>> attempt) {
        return retry(attempt, ATTEMPTS);
    }

    private static <T> CompletableFuture<T> retry(Supplier<CompletableFuture<T>> attempt, int left) {
        return attempt.get().handle((value, error) -> {
            if (error == null) {
                return CompletableFuture.completedFuture(value);
            }
            Throwable cause = EngineImpl.unwrap(error);
            if (cause instanceof FileAlreadyExistsException && left > 1) {
                return retry(attempt, left - 1);
            }
            return CompletableFuture.<T>failedFuture(cause);
        }).thenCompose(Function.identity());
    }

    /** Opens a new, uniquely named file for reading and writing. */
    static CompletableFuture<AsyncFileImpl> open(EngineImpl engine, Path dir, String prefix, String suffix,
                                                 FileAttribute<?>... attributes) {
        FileAttribute<?>[] attrs = fileAttributes(attributes);
        return retryWhileTaken(() -> engine.openInternal(OpenSpec.of(name(dir, prefix, suffix, ".tmp"),
                Set.of(StandardOpenOption.CREATE_NEW, StandardOpenOption.READ, StandardOpenOption.WRITE), attrs)));
    }

    /** Deletes a tree without following links, on the pool. */
    static void deleteTree(Path root) throws IOException {
        Files.walkFileTree(root, new SimpleFileVisitor<>() {
            @Override
            public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) throws IOException {
                Files.delete(file);
                return FileVisitResult.CONTINUE;
            }

            @Override
            public FileVisitResult postVisitDirectory(Path dir, IOException error) throws IOException {
                if (error != null) {
                    throw error;
                }
                Files.delete(dir);
                return FileVisitResult.CONTINUE;
            }
        });
    }

    /** A directory deleted with its content on close. */
    static final class Directory implements TempDirectory {
        private final EngineImpl engine;
        private final Path path;
        private final AtomicReference<CompletableFuture<Void>> closing = new AtomicReference<>();

        Directory(EngineImpl engine, Path path) {
            this.engine = engine;
            this.path = path;
        }

        @Override
        public Path path() {
            return path;
        }

        @Override
        public CompletableFuture<Void> closeAsync() {
            CompletableFuture<Void> current = closing.get();
            if (current != null) {
                return current;
            }
            CompletableFuture<Void> started = new CompletableFuture<>();
            if (!closing.compareAndSet(null, started)) {
                return closing.get();
            }
            engine.deleteTree(path).whenComplete((ok, error) -> {
                if (error != null) {
                    started.completeExceptionally(EngineImpl.unwrap(error));
                } else {
                    started.complete(null);
                }
            });
            return started;
        }

        @Override
        public void close() throws IOException {
            EngineImpl.checkMayBlock("TempDirectory.close()");
            try {
                closeAsync().join();
            } catch (CompletionException e) {
                if (e.getCause() instanceof IOException) {
                    throw (IOException) e.getCause();
                }
                throw e;
            }
        }

        @Override
        public String toString() {
            return "TempDirectory[" + path + "]";
        }
    }
}
