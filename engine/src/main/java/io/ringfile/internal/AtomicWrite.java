package io.ringfile.internal;

import io.ringfile.internal.backend.FileBackend;
import io.ringfile.internal.backend.OpenSpec;

import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.function.Function;

/**
 * Replace a file's content so that a crash leaves the old content or the new, never a mix: write a temporary file
 * beside the target, fsync it, rename it over the target, fsync the directory so the rename itself is durable.
 * Each step starts when the one before has completed; a failure deletes the temporary file.
 */
final class AtomicWrite {
    private AtomicWrite() {
    }

    static CompletableFuture<Path> run(EngineImpl engine, FileBackend backend, Path target, byte[] bytes) {
        Path absolute = target.toAbsolutePath();
        Path dir = absolute.getParent();
        Path temp = TempFiles.name(dir, "." + asciiName(absolute.getFileName()) + ".", ".tmp", ".tmp");
        OpenSpec spec = OpenSpec.of(temp, Set.of(StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE));
        CompletableFuture<Void> written = EngineImpl.withFile(engine.openInternal(spec), file ->
                Chunks.write(file, bytes, 0, bytes.length, 0, false).thenCompose(n -> file.force(true, null)));
        return written
                .thenCompose(ignored -> backend.rename(temp, absolute, true))
                .handle((ok, error) -> {
                    if (error == null) {
                        return syncDirectory(engine, dir).thenApply(x -> target);
                    }
                    Throwable cause = EngineImpl.unwrap(error);
                    return backend.delete(temp, true).handle((deleted, ignored) -> {
                        throw new CompletionException(cause);
                    }).thenApply(x -> target);
                })
                .thenCompose(Function.identity());
    }

    /**
     * The file name with every character outside printable ASCII replaced: the temporary file's name must be valid
     * in any file-name encoding (the target's own name may be bytes that are not text there, kept by its Path).
     */
    private static String asciiName(Path name) {
        StringBuilder ascii = new StringBuilder(name.toString());
        for (int i = 0; i < ascii.length(); i++) {
            char c = ascii.charAt(i);
            if (c < 0x20 || c >= 0x7f) {
                ascii.setCharAt(i, '_');
            }
        }
        return ascii.toString();
    }

    /** fsync of the directory: makes the rename itself survive a crash. */
    private static CompletableFuture<Void> syncDirectory(EngineImpl engine, Path dir) {
        return EngineImpl.withFile(engine.openInternal(OpenSpec.of(dir, Set.of(StandardOpenOption.READ))),
                directory -> directory.force(true, null));
    }
}
