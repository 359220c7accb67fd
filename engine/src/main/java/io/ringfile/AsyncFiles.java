package io.ringfile;

import java.nio.charset.Charset;
import java.nio.file.OpenOption;
import java.nio.file.Path;
import java.nio.file.attribute.FileAttribute;
import java.util.Set;
import java.util.concurrent.CompletableFuture;

/**
 * The asynchronous twin of {@link java.nio.file.Files}: the same method names and parameters, with results as
 * {@link CompletableFuture}s and failures as the same {@code java.nio.file} exceptions.
 *
 * <p>Every method runs on the default engine, which starts on first use with daemon threads and lives as long as
 * the JVM. Its backend is chosen by the system property {@code ringfile.backend} ({@code auto}, the default,
 * {@code io_uring} or {@code nio}). Build a {@link FileEngine} of your own to control threads and lifetime.
 */
public final class AsyncFiles {
    private AsyncFiles() {
    }

    private static final class DefaultEngine {
        static final FileEngine ENGINE = FileEngine.builder()
                .backend(FileEngine.Backend.parse(System.getProperty("ringfile.backend", "auto")))
                .build();
    }

    /** The default engine, started if it was not yet; {@code engine().backend()} tells which backend runs. */
    public static FileEngine engine() {
        return DefaultEngine.ENGINE;
    }

    /** See {@link FileEngine#open(Path, OpenOption...)}. */
    public static CompletableFuture<AsyncFile> open(Path path, OpenOption... options) {
        return engine().open(path, options);
    }

    /** See {@link FileEngine#open(Path, Set, FileAttribute...)}. */
    public static CompletableFuture<AsyncFile> open(Path path, Set<? extends OpenOption> options,
                                                    FileAttribute<?>... attributes) {
        return engine().open(path, options, attributes);
    }

    /** See {@link java.nio.file.Files#readAllBytes(Path)}. */
    public static CompletableFuture<byte[]> readAllBytes(Path path) {
        return engine().readAllBytes(path);
    }

    /** See {@link java.nio.file.Files#readString(Path)}. */
    public static CompletableFuture<String> readString(Path path) {
        return engine().readString(path);
    }

    /** See {@link java.nio.file.Files#readString(Path, Charset)}. */
    public static CompletableFuture<String> readString(Path path, Charset charset) {
        return engine().readString(path, charset);
    }

    /** See {@link java.nio.file.Files#write(Path, byte[], OpenOption...)}. */
    public static CompletableFuture<Path> write(Path path, byte[] bytes, OpenOption... options) {
        return engine().write(path, bytes, options);
    }

    /** See {@link java.nio.file.Files#writeString(Path, CharSequence, OpenOption...)}. */
    public static CompletableFuture<Path> writeString(Path path, CharSequence text, OpenOption... options) {
        return engine().writeString(path, text, options);
    }

    /** See {@link java.nio.file.Files#writeString(Path, CharSequence, Charset, OpenOption...)}. */
    public static CompletableFuture<Path> writeString(Path path, CharSequence text, Charset charset,
                                                      OpenOption... options) {
        return engine().writeString(path, text, charset, options);
    }

    /** See {@link java.nio.file.Files#size(Path)}. */
    public static CompletableFuture<Long> size(Path path) {
        return engine().size(path);
    }
}
